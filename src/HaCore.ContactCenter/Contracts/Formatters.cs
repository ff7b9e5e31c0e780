using MessagePack;
using MessagePack.Formatters;

namespace HaCore.ContactCenter;

// The MessagePack formatters of the contracts, written out (as MessagePack's own AOT generator would) rather
// generated at run time: the run-time generator took seconds of code generation and JIT on first use.
// Each contract is an array of its members in key order; a reader skips keys past the ones it knows and
// leaves missing ones at their defaults. Nil strings and lists read as empty; a nil list item is refused.

internal sealed class DnIdFormatter : IMessagePackFormatter<DnId?>
{
    public static readonly DnIdFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DnId? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.SwitchName);
        writer.Write(value.Number);
    }

    public DnId? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new DnId();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.SwitchName = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.Number = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class KvListFormatter : IMessagePackFormatter<KvList?>
{
    public static readonly KvListFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, KvList? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        writer.WriteArrayHeader(value.Pairs.Count);
        foreach (var item in value.Pairs)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
    }

    public KvList? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new KvList();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n1 = reader.ReadArrayHeader();
                    var list1 = new List<KvPair>(Math.Min(n1, 1024));
                    for (int j = 0; j < n1; j++)
                    {
                        list1.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Pairs)));
                    }
                    
                    value.Pairs = list1;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class KvPairFormatter : IMessagePackFormatter<KvPair?>
{
    public static readonly KvPairFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, KvPair? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.Key);
        KvValueFormatter.Instance.Serialize(ref writer, value.Value, options);
    }

    public KvPair? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new KvPair();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Key = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.Value = KvValueFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class PartyFormatter : IMessagePackFormatter<Party?>
{
    public static readonly PartyFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Party? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(9);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write((int)value.State);
        writer.Write((int)value.Role);
        DnIdFormatter.Instance.Serialize(ref writer, value.OtherDn, options);
        DnIdFormatter.Instance.Serialize(ref writer, value.ThisQueue, options);
        writer.Write(value.AgentId);
        writer.Write(value.Muted);
        writer.Write(value.Supplementary);
        writer.Write(value.StateSince);
    }

    public Party? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new Party();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 1:
                    value.State = (PartyState)reader.ReadInt32();
                    break;
                case 2:
                    value.Role = (PartyRole)reader.ReadInt32();
                    break;
                case 3:
                    value.OtherDn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 4:
                    value.ThisQueue = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 5:
                    value.AgentId = reader.ReadString() ?? "";
                    break;
                case 6:
                    value.Muted = reader.ReadBoolean();
                    break;
                case 7:
                    value.Supplementary = reader.ReadUInt32();
                    break;
                case 8:
                    value.StateSince = reader.ReadInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class TransferInfoFormatter : IMessagePackFormatter<TransferInfo?>
{
    public static readonly TransferInfoFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, TransferInfo? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(5);
        DnIdFormatter.Instance.Serialize(ref writer, value.Controller, options);
        writer.Write((int)value.Kind);
        DnIdFormatter.Instance.Serialize(ref writer, value.Target, options);
        writer.Write(value.StartedAt);
        writer.Write(value.ConsultConnId);
    }

    public TransferInfo? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new TransferInfo();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Controller = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 1:
                    value.Kind = (TransferKind)reader.ReadInt32();
                    break;
                case 2:
                    value.Target = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 3:
                    value.StartedAt = reader.ReadInt64();
                    break;
                case 4:
                    value.ConsultConnId = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class RouteRequestFormatter : IMessagePackFormatter<RouteRequest?>
{
    public static readonly RouteRequestFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, RouteRequest? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(6);
        DnIdFormatter.Instance.Serialize(ref writer, value.RoutePoint, options);
        writer.Write(value.RequestedAt);
        writer.Write(value.TimeoutMs);
        writer.Write(value.ReferenceId);
        writer.Write(value.DeadlineAt);
        writer.Write(value.PartyAdded);
    }

    public RouteRequest? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new RouteRequest();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.RoutePoint = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 1:
                    value.RequestedAt = reader.ReadInt64();
                    break;
                case 2:
                    value.TimeoutMs = reader.ReadInt64();
                    break;
                case 3:
                    value.ReferenceId = reader.ReadUInt32();
                    break;
                case 4:
                    value.DeadlineAt = reader.ReadInt64();
                    break;
                case 5:
                    value.PartyAdded = reader.ReadBoolean();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class TreatmentSessionFormatter : IMessagePackFormatter<TreatmentSession?>
{
    public static readonly TreatmentSessionFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, TreatmentSession? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(8);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write((int)value.Type);
        writer.WriteArrayHeader(value.Parameters.Count);
        foreach (var item in value.Parameters)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.Write((int)value.State);
        writer.Write(value.MediaResource);
        writer.Write(value.StartedAt);
        writer.Write(value.ReferenceId);
    }

    public TreatmentSession? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new TreatmentSession();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.Type = (TreatmentType)reader.ReadInt32();
                    break;
                case 3:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n4 = reader.ReadArrayHeader();
                    var list4 = new List<KvPair>(Math.Min(n4, 1024));
                    for (int j = 0; j < n4; j++)
                    {
                        list4.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Parameters)));
                    }
                    
                    value.Parameters = list4;
                    break;
                case 4:
                    value.State = (TreatmentState)reader.ReadInt32();
                    break;
                case 5:
                    value.MediaResource = reader.ReadString() ?? "";
                    break;
                case 6:
                    value.StartedAt = reader.ReadInt64();
                    break;
                case 7:
                    value.ReferenceId = reader.ReadUInt32();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class IsccRefFormatter : IMessagePackFormatter<IsccRef?>
{
    public static readonly IsccRefFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, IsccRef? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(10);
        writer.Write(value.TransactionId);
        writer.Write((int)value.Direction);
        writer.Write(value.RemoteLocation);
        writer.Write((int)value.CastType);
        DnIdFormatter.Instance.Serialize(ref writer, value.AccessResource, options);
        writer.Write(value.RemoteConnId);
        writer.Write(value.Token);
        writer.Write((int)value.State);
        writer.Write(value.DeadlineAt);
        writer.Write(value.ConnId);
    }

    public IsccRef? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new IsccRef();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.TransactionId = reader.ReadUInt32();
                    break;
                case 1:
                    value.Direction = (IsccDirection)reader.ReadInt32();
                    break;
                case 2:
                    value.RemoteLocation = reader.ReadString() ?? "";
                    break;
                case 3:
                    value.CastType = (IsccCastType)reader.ReadInt32();
                    break;
                case 4:
                    value.AccessResource = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 5:
                    value.RemoteConnId = reader.ReadUInt64();
                    break;
                case 6:
                    value.Token = reader.ReadString() ?? "";
                    break;
                case 7:
                    value.State = (IsccState)reader.ReadInt32();
                    break;
                case 8:
                    value.DeadlineAt = reader.ReadInt64();
                    break;
                case 9:
                    value.ConnId = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class CallFormatter : IMessagePackFormatter<Call?>
{
    public static readonly CallFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Call? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(23);
        writer.Write(value.ConnId);
        writer.Write(value.PreviousConnId);
        writer.Write(value.TransferConnId);
        writer.Write(value.CallUuid);
        writer.Write(value.OrigCallUuid);
        writer.Write(value.CallId);
        writer.Write(value.NetworkCallId);
        writer.Write(value.NodeId);
        writer.Write((int)value.CallType);
        writer.Write((int)value.MediaType);
        writer.Write(value.Ani);
        writer.Write(value.Dnis);
        writer.Write((int)value.State);
        writer.WriteArrayHeader(value.Parties.Count);
        foreach (var item in value.Parties)
        {
            PartyFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.UserData.Count);
        foreach (var item in value.UserData)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.Write((int)value.EscalationMode);
        TransferInfoFormatter.Instance.Serialize(ref writer, value.TransferInProgress, options);
        writer.WriteArrayHeader(value.IsccLinks.Count);
        foreach (var item in value.IsccLinks)
        {
            IsccRefFormatter.Instance.Serialize(ref writer, item, options);
        }
        RouteRequestFormatter.Instance.Serialize(ref writer, value.PendingRoute, options);
        writer.WriteArrayHeader(value.Treatments.Count);
        foreach (var item in value.Treatments)
        {
            TreatmentSessionFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.Write(value.CreatedAt);
        writer.Write(value.LastChangeAt);
        writer.Write(value.IsConsult);
    }

    public Call? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new Call();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.PreviousConnId = reader.ReadUInt64();
                    break;
                case 2:
                    value.TransferConnId = reader.ReadUInt64();
                    break;
                case 3:
                    value.CallUuid = reader.ReadString() ?? "";
                    break;
                case 4:
                    value.OrigCallUuid = reader.ReadString() ?? "";
                    break;
                case 5:
                    value.CallId = reader.ReadInt64();
                    break;
                case 6:
                    value.NetworkCallId = reader.ReadUInt64();
                    break;
                case 7:
                    value.NodeId = reader.ReadInt32();
                    break;
                case 8:
                    value.CallType = (CallType)reader.ReadInt32();
                    break;
                case 9:
                    value.MediaType = (MediaType)reader.ReadInt32();
                    break;
                case 10:
                    value.Ani = reader.ReadString() ?? "";
                    break;
                case 11:
                    value.Dnis = reader.ReadString() ?? "";
                    break;
                case 12:
                    value.State = (CallState)reader.ReadInt32();
                    break;
                case 13:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n14 = reader.ReadArrayHeader();
                    var list14 = new List<Party>(Math.Min(n14, 1024));
                    for (int j = 0; j < n14; j++)
                    {
                        list14.Add(PartyFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Parties)));
                    }
                    
                    value.Parties = list14;
                    break;
                case 14:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n15 = reader.ReadArrayHeader();
                    var list15 = new List<KvPair>(Math.Min(n15, 1024));
                    for (int j = 0; j < n15; j++)
                    {
                        list15.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.UserData)));
                    }
                    
                    value.UserData = list15;
                    break;
                case 15:
                    value.EscalationMode = (EscalationMode)reader.ReadInt32();
                    break;
                case 16:
                    value.TransferInProgress = TransferInfoFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 17:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n18 = reader.ReadArrayHeader();
                    var list18 = new List<IsccRef>(Math.Min(n18, 1024));
                    for (int j = 0; j < n18; j++)
                    {
                        list18.Add(IsccRefFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.IsccLinks)));
                    }
                    
                    value.IsccLinks = list18;
                    break;
                case 18:
                    value.PendingRoute = RouteRequestFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 19:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n20 = reader.ReadArrayHeader();
                    var list20 = new List<TreatmentSession>(Math.Min(n20, 1024));
                    for (int j = 0; j < n20; j++)
                    {
                        list20.Add(TreatmentSessionFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Treatments)));
                    }
                    
                    value.Treatments = list20;
                    break;
                case 20:
                    value.CreatedAt = reader.ReadInt64();
                    break;
                case 21:
                    value.LastChangeAt = reader.ReadInt64();
                    break;
                case 22:
                    value.IsConsult = reader.ReadBoolean();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class AgentFormatter : IMessagePackFormatter<Agent?>
{
    public static readonly AgentFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Agent? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(10);
        writer.Write(value.AgentId);
        writer.Write(value.EmployeeId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        DnIdFormatter.Instance.Serialize(ref writer, value.Queue, options);
        writer.Write(value.Place);
        writer.Write((int)value.State);
        writer.Write((int)value.WorkMode);
        writer.WriteArrayHeader(value.Reasons.Count);
        foreach (var item in value.Reasons)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.Write(value.PreferredSite);
        writer.Write(value.StateSince);
    }

    public Agent? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new Agent();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.AgentId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.EmployeeId = reader.ReadString() ?? "";
                    break;
                case 2:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 3:
                    value.Queue = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 4:
                    value.Place = reader.ReadString() ?? "";
                    break;
                case 5:
                    value.State = (AgentState)reader.ReadInt32();
                    break;
                case 6:
                    value.WorkMode = (AgentWorkMode)reader.ReadInt32();
                    break;
                case 7:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n8 = reader.ReadArrayHeader();
                    var list8 = new List<KvPair>(Math.Min(n8, 1024));
                    for (int j = 0; j < n8; j++)
                    {
                        list8.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Reasons)));
                    }
                    
                    value.Reasons = list8;
                    break;
                case 8:
                    value.PreferredSite = reader.ReadString() ?? "";
                    break;
                case 9:
                    value.StateSince = reader.ReadInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ForwardFormatter : IMessagePackFormatter<Forward?>
{
    public static readonly ForwardFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Forward? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write((int)value.Mode);
        DnIdFormatter.Instance.Serialize(ref writer, value.Destination, options);
    }

    public Forward? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new Forward();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Mode = (ForwardMode)reader.ReadInt32();
                    break;
                case 1:
                    value.Destination = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class DnFormatter : IMessagePackFormatter<Dn?>
{
    public static readonly DnFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Dn? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(11);
        DnIdFormatter.Instance.Serialize(ref writer, value.Id, options);
        writer.Write((int)value.Type);
        writer.Write(value.Place);
        writer.Write((int)value.Register);
        writer.Write(value.OutOfService);
        writer.Write(value.Dnd);
        ForwardFormatter.Instance.Serialize(ref writer, value.Forward, options);
        writer.Write(value.LoggedInAgent);
        writer.WriteArrayHeader(value.ActiveCalls.Count);
        foreach (var item in value.ActiveCalls)
        {
            writer.Write(item);
        }
        DnIdFormatter.Instance.Serialize(ref writer, value.PeerDn, options);
        writer.Write(value.Site);
    }

    public Dn? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new Dn();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Id = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 1:
                    value.Type = (AddressType)reader.ReadInt32();
                    break;
                case 2:
                    value.Place = reader.ReadString() ?? "";
                    break;
                case 3:
                    value.Register = (RegisterFlag)reader.ReadInt32();
                    break;
                case 4:
                    value.OutOfService = reader.ReadBoolean();
                    break;
                case 5:
                    value.Dnd = reader.ReadBoolean();
                    break;
                case 6:
                    value.Forward = ForwardFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 7:
                    value.LoggedInAgent = reader.ReadString() ?? "";
                    break;
                case 8:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n9 = reader.ReadArrayHeader();
                    var list9 = new List<ulong>(Math.Min(n9, 1024));
                    for (int j = 0; j < n9; j++)
                    {
                        list9.Add(reader.ReadUInt64());
                    }
                    
                    value.ActiveCalls = list9;
                    break;
                case 9:
                    value.PeerDn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 10:
                    value.Site = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class SubscriptionFormatter : IMessagePackFormatter<Subscription?>
{
    public static readonly SubscriptionFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Subscription? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(6);
        writer.Write(value.SessionId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write((int)value.RegisterMode);
        writer.Write((int)value.ControlMode);
        writer.Write((int)value.AddressType);
        writer.Write(value.RegisteredAt);
    }

    public Subscription? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new Subscription();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.SessionId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.RegisterMode = (RegisterMode)reader.ReadInt32();
                    break;
                case 3:
                    value.ControlMode = (ControlMode)reader.ReadInt32();
                    break;
                case 4:
                    value.AddressType = (AddressType)reader.ReadInt32();
                    break;
                case 5:
                    value.RegisteredAt = reader.ReadInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ClientSessionFormatter : IMessagePackFormatter<ClientSession?>
{
    public static readonly ClientSessionFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ClientSession? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(6);
        writer.Write(value.SessionId);
        writer.Write(value.ClientName);
        writer.Write(value.LeaseExpiresAt);
        writer.Write(value.LastAckedIndex);
        writer.Write(value.LeaseMs);
        writer.Write(value.OpenedAt);
    }

    public ClientSession? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ClientSession();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.SessionId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.ClientName = reader.ReadString() ?? "";
                    break;
                case 2:
                    value.LeaseExpiresAt = reader.ReadInt64();
                    break;
                case 3:
                    value.LastAckedIndex = reader.ReadUInt64();
                    break;
                case 4:
                    value.LeaseMs = reader.ReadInt64();
                    break;
                case 5:
                    value.OpenedAt = reader.ReadInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnectorFormatter : IMessagePackFormatter<Connector?>
{
    public static readonly ConnectorFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Connector? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(7);
        writer.Write(value.ConnectorId);
        writer.Write(value.Endpoint);
        writer.Write(value.Alive);
        writer.Write(value.LeaseExpiresAt);
        writer.Write(value.Pool);
        writer.Write(value.Epoch);
        writer.Write(value.SourceSequenceFloor);
    }

    public Connector? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new Connector();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.Endpoint = reader.ReadString() ?? "";
                    break;
                case 2:
                    value.Alive = reader.ReadBoolean();
                    break;
                case 3:
                    value.LeaseExpiresAt = reader.ReadInt64();
                    break;
                case 4:
                    value.Pool = reader.ReadString() ?? "";
                    break;
                case 5:
                    value.Epoch = reader.ReadUInt64();
                    break;
                case 6:
                    value.SourceSequenceFloor = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class DnAssignmentFormatter : IMessagePackFormatter<DnAssignment?>
{
    public static readonly DnAssignmentFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DnAssignment? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write(value.ConnectorId);
    }

    public DnAssignment? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new DnAssignment();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 1:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnectorConferenceFormatter : IMessagePackFormatter<ConnectorConference?>
{
    public static readonly ConnectorConferenceFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConnectorConference? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(5);
        writer.Write(value.ConferenceUri);
        writer.Write(value.ConnId);
        writer.Write(value.ConnectorId);
        writer.Write(value.ScheduledAt);
        writer.Write(value.Pooled);
    }

    public ConnectorConference? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConnectorConference();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConferenceUri = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 2:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                case 3:
                    value.ScheduledAt = reader.ReadInt64();
                    break;
                case 4:
                    value.Pooled = reader.ReadBoolean();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnectorConversationFormatter : IMessagePackFormatter<ConnectorConversation?>
{
    public static readonly ConnectorConversationFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConnectorConversation? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(6);
        writer.Write(value.ConversationId);
        writer.Write(value.ConnId);
        writer.Write(value.ConferenceUri);
        writer.Write(value.Modalities);
        writer.WriteArrayHeader(value.Participants.Count);
        foreach (var item in value.Participants)
        {
            writer.Write(item);
        }
        writer.Write(value.ConnectorId);
    }

    public ConnectorConversation? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConnectorConversation();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConversationId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 2:
                    value.ConferenceUri = reader.ReadString() ?? "";
                    break;
                case 3:
                    value.Modalities = reader.ReadUInt32();
                    break;
                case 4:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n5 = reader.ReadArrayHeader();
                    var list5 = new List<string>(Math.Min(n5, 1024));
                    for (int j = 0; j < n5; j++)
                    {
                        list5.Add(reader.ReadString() ?? throw Contract.NilItem(nameof(value.Participants)));
                    }
                    
                    value.Participants = list5;
                    break;
                case 5:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnectorPartyFormatter : IMessagePackFormatter<ConnectorParty?>
{
    public static readonly ConnectorPartyFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConnectorParty? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.SipUri);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write((int)value.State);
    }

    public ConnectorParty? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConnectorParty();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.SipUri = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.State = (PartyState)reader.ReadInt32();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnectorCallFormatter : IMessagePackFormatter<ConnectorCall?>
{
    public static readonly ConnectorCallFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConnectorCall? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(5);
        writer.Write(value.CallId);
        writer.Write(value.ConnId);
        writer.Write(value.ConversationId);
        writer.WriteArrayHeader(value.Parties.Count);
        foreach (var item in value.Parties)
        {
            ConnectorPartyFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.Write(value.ConnectorId);
    }

    public ConnectorCall? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConnectorCall();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.CallId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 2:
                    value.ConversationId = reader.ReadString() ?? "";
                    break;
                case 3:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n4 = reader.ReadArrayHeader();
                    var list4 = new List<ConnectorParty>(Math.Min(n4, 1024));
                    for (int j = 0; j < n4; j++)
                    {
                        list4.Add(ConnectorPartyFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Parties)));
                    }
                    
                    value.Parties = list4;
                    break;
                case 4:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class B2BCallFormatter : IMessagePackFormatter<B2BCall?>
{
    public static readonly B2BCallFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, B2BCall? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(6);
        writer.Write(value.B2BId);
        writer.Write(value.ConnId);
        writer.Write(value.FrontLegCallId);
        writer.Write(value.BackLegCallId);
        writer.Write((int)value.State);
        writer.Write(value.ConnectorId);
    }

    public B2BCall? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new B2BCall();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.B2BId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 2:
                    value.FrontLegCallId = reader.ReadString() ?? "";
                    break;
                case 3:
                    value.BackLegCallId = reader.ReadString() ?? "";
                    break;
                case 4:
                    value.State = (B2BState)reader.ReadInt32();
                    break;
                case 5:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConfigFingerprintFormatter : IMessagePackFormatter<ConfigFingerprint?>
{
    public static readonly ConfigFingerprintFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConfigFingerprint? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(4);
        writer.Write(value.ConfigVersion);
        writer.Write(value.ConfigHash.Span);
        writer.WriteArrayHeader(value.Options.Count);
        foreach (var item in value.Options)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.Write((int)value.LoginConflictPolicy);
    }

    public ConfigFingerprint? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConfigFingerprint();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConfigVersion = reader.ReadInt64();
                    break;
                case 1:
                    value.ConfigHash = Contract.ReadBytes(ref reader);
                    break;
                case 2:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n3 = reader.ReadArrayHeader();
                    var list3 = new List<KvPair>(Math.Min(n3, 1024));
                    for (int j = 0; j < n3; j++)
                    {
                        list3.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Options)));
                    }
                    
                    value.Options = list3;
                    break;
                case 3:
                    value.LoginConflictPolicy = (LoginConflictPolicy)reader.ReadInt32();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class CountersFormatter : IMessagePackFormatter<Counters?>
{
    public static readonly CountersFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Counters? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnIdPrefix);
        writer.Write(value.NextConnIdCounter);
    }

    public Counters? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new Counters();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnIdPrefix = reader.ReadUInt64();
                    break;
                case 1:
                    value.NextConnIdCounter = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class EventFormatter : IMessagePackFormatter<Event?>
{
    public static readonly EventFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Event? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(25);
        writer.Write((int)value.Kind);
        writer.Write(value.ReferenceId);
        writer.Write(value.ConnId);
        writer.Write(value.PreviousConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.ThisDn, options);
        DnIdFormatter.Instance.Serialize(ref writer, value.OtherDn, options);
        writer.Write(value.AgentId);
        writer.Write((int)value.PartyState);
        writer.Write((int)value.AgentState);
        writer.Write((int)value.WorkMode);
        writer.Write(value.SessionId);
        writer.Write(value.ConnectorId);
        writer.Write(value.Key);
        writer.Write(value.Time);
        writer.WriteArrayHeader(value.UserData.Count);
        foreach (var item in value.UserData)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.Write(value.Cause);
        writer.Write((int)value.CallState);
        DnIdFormatter.Instance.Serialize(ref writer, value.ThirdPartyDn, options);
        DnIdFormatter.Instance.Serialize(ref writer, value.ThisQueue, options);
        writer.Write((int)value.CallType);
        writer.Write(value.Ani);
        writer.Write(value.Dnis);
        writer.Write(value.TransferConnId);
        writer.Write((int)value.Error);
        writer.Write(value.Epoch);
    }

    public Event? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new Event();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Kind = (EventKind)reader.ReadInt32();
                    break;
                case 1:
                    value.ReferenceId = reader.ReadUInt32();
                    break;
                case 2:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 3:
                    value.PreviousConnId = reader.ReadUInt64();
                    break;
                case 4:
                    value.ThisDn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 5:
                    value.OtherDn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 6:
                    value.AgentId = reader.ReadString() ?? "";
                    break;
                case 7:
                    value.PartyState = (PartyState)reader.ReadInt32();
                    break;
                case 8:
                    value.AgentState = (AgentState)reader.ReadInt32();
                    break;
                case 9:
                    value.WorkMode = (AgentWorkMode)reader.ReadInt32();
                    break;
                case 10:
                    value.SessionId = reader.ReadString() ?? "";
                    break;
                case 11:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                case 12:
                    value.Key = reader.ReadString() ?? "";
                    break;
                case 13:
                    value.Time = reader.ReadInt64();
                    break;
                case 14:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n15 = reader.ReadArrayHeader();
                    var list15 = new List<KvPair>(Math.Min(n15, 1024));
                    for (int j = 0; j < n15; j++)
                    {
                        list15.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.UserData)));
                    }
                    
                    value.UserData = list15;
                    break;
                case 15:
                    value.Cause = reader.ReadString() ?? "";
                    break;
                case 16:
                    value.CallState = (CallState)reader.ReadInt32();
                    break;
                case 17:
                    value.ThirdPartyDn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 18:
                    value.ThisQueue = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 19:
                    value.CallType = (CallType)reader.ReadInt32();
                    break;
                case 20:
                    value.Ani = reader.ReadString() ?? "";
                    break;
                case 21:
                    value.Dnis = reader.ReadString() ?? "";
                    break;
                case 22:
                    value.TransferConnId = reader.ReadUInt64();
                    break;
                case 23:
                    value.Error = (RejectReason)reader.ReadInt32();
                    break;
                case 24:
                    value.Epoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class CommandResultFormatter : IMessagePackFormatter<CommandResult?>
{
    public static readonly CommandResultFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, CommandResult? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(6);
        writer.Write((int)value.RejectReason);
        writer.Write(value.Message);
        writer.WriteArrayHeader(value.Events.Count);
        foreach (var item in value.Events)
        {
            EventFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.Write(value.ConnId);
        writer.Write(value.Duplicate);
        writer.Write(value.AppliedIndex);
    }

    public CommandResult? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new CommandResult();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.RejectReason = (RejectReason)reader.ReadInt32();
                    break;
                case 1:
                    value.Message = reader.ReadString() ?? "";
                    break;
                case 2:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n3 = reader.ReadArrayHeader();
                    var list3 = new List<Event>(Math.Min(n3, 1024));
                    for (int j = 0; j < n3; j++)
                    {
                        list3.Add(EventFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Events)));
                    }
                    
                    value.Events = list3;
                    break;
                case 3:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 4:
                    value.Duplicate = reader.ReadBoolean();
                    break;
                case 5:
                    value.AppliedIndex = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class DedupeEntryFormatter : IMessagePackFormatter<DedupeEntry?>
{
    public static readonly DedupeEntryFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DedupeEntry? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(6);
        writer.Write(value.SessionId);
        writer.Write(value.ReferenceId);
        writer.Write(value.AppliedAt);
        CommandResultFormatter.Instance.Serialize(ref writer, value.Result, options);
        writer.Write(value.Source);
        writer.Write(value.SourceSequence);
    }

    public DedupeEntry? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new DedupeEntry();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.SessionId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.ReferenceId = reader.ReadUInt32();
                    break;
                case 2:
                    value.AppliedAt = reader.ReadInt64();
                    break;
                case 3:
                    value.Result = CommandResultFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 4:
                    value.Source = reader.ReadString() ?? "";
                    break;
                case 5:
                    value.SourceSequence = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class SnapshotFormatter : IMessagePackFormatter<Snapshot?>
{
    public static readonly SnapshotFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Snapshot? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(16);
        writer.Write(value.FormatVersion);
        CountersFormatter.Instance.Serialize(ref writer, value.Counters, options);
        ConfigFingerprintFormatter.Instance.Serialize(ref writer, value.Config, options);
        writer.WriteArrayHeader(value.Calls.Count);
        foreach (var item in value.Calls)
        {
            CallFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.Agents.Count);
        foreach (var item in value.Agents)
        {
            AgentFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.Dns.Count);
        foreach (var item in value.Dns)
        {
            DnFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.Subscriptions.Count);
        foreach (var item in value.Subscriptions)
        {
            SubscriptionFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.Sessions.Count);
        foreach (var item in value.Sessions)
        {
            ClientSessionFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.Dedupe.Count);
        foreach (var item in value.Dedupe)
        {
            DedupeEntryFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.Connectors.Count);
        foreach (var item in value.Connectors)
        {
            ConnectorFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.DnAssignments.Count);
        foreach (var item in value.DnAssignments)
        {
            DnAssignmentFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.Conferences.Count);
        foreach (var item in value.Conferences)
        {
            ConnectorConferenceFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.Conversations.Count);
        foreach (var item in value.Conversations)
        {
            ConnectorConversationFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.ConnectorCalls.Count);
        foreach (var item in value.ConnectorCalls)
        {
            ConnectorCallFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.B2BCalls.Count);
        foreach (var item in value.B2BCalls)
        {
            B2BCallFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.SourceDedupe.Count);
        foreach (var item in value.SourceDedupe)
        {
            DedupeEntryFormatter.Instance.Serialize(ref writer, item, options);
        }
    }

    public Snapshot? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new Snapshot();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.FormatVersion = reader.ReadUInt32();
                    break;
                case 1:
                    value.Counters = CountersFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.Config = ConfigFingerprintFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 3:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n4 = reader.ReadArrayHeader();
                    var list4 = new List<Call>(Math.Min(n4, 1024));
                    for (int j = 0; j < n4; j++)
                    {
                        list4.Add(CallFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Calls)));
                    }
                    
                    value.Calls = list4;
                    break;
                case 4:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n5 = reader.ReadArrayHeader();
                    var list5 = new List<Agent>(Math.Min(n5, 1024));
                    for (int j = 0; j < n5; j++)
                    {
                        list5.Add(AgentFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Agents)));
                    }
                    
                    value.Agents = list5;
                    break;
                case 5:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n6 = reader.ReadArrayHeader();
                    var list6 = new List<Dn>(Math.Min(n6, 1024));
                    for (int j = 0; j < n6; j++)
                    {
                        list6.Add(DnFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Dns)));
                    }
                    
                    value.Dns = list6;
                    break;
                case 6:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n7 = reader.ReadArrayHeader();
                    var list7 = new List<Subscription>(Math.Min(n7, 1024));
                    for (int j = 0; j < n7; j++)
                    {
                        list7.Add(SubscriptionFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Subscriptions)));
                    }
                    
                    value.Subscriptions = list7;
                    break;
                case 7:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n8 = reader.ReadArrayHeader();
                    var list8 = new List<ClientSession>(Math.Min(n8, 1024));
                    for (int j = 0; j < n8; j++)
                    {
                        list8.Add(ClientSessionFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Sessions)));
                    }
                    
                    value.Sessions = list8;
                    break;
                case 8:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n9 = reader.ReadArrayHeader();
                    var list9 = new List<DedupeEntry>(Math.Min(n9, 1024));
                    for (int j = 0; j < n9; j++)
                    {
                        list9.Add(DedupeEntryFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Dedupe)));
                    }
                    
                    value.Dedupe = list9;
                    break;
                case 9:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n10 = reader.ReadArrayHeader();
                    var list10 = new List<Connector>(Math.Min(n10, 1024));
                    for (int j = 0; j < n10; j++)
                    {
                        list10.Add(ConnectorFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Connectors)));
                    }
                    
                    value.Connectors = list10;
                    break;
                case 10:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n11 = reader.ReadArrayHeader();
                    var list11 = new List<DnAssignment>(Math.Min(n11, 1024));
                    for (int j = 0; j < n11; j++)
                    {
                        list11.Add(DnAssignmentFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.DnAssignments)));
                    }
                    
                    value.DnAssignments = list11;
                    break;
                case 11:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n12 = reader.ReadArrayHeader();
                    var list12 = new List<ConnectorConference>(Math.Min(n12, 1024));
                    for (int j = 0; j < n12; j++)
                    {
                        list12.Add(ConnectorConferenceFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Conferences)));
                    }
                    
                    value.Conferences = list12;
                    break;
                case 12:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n13 = reader.ReadArrayHeader();
                    var list13 = new List<ConnectorConversation>(Math.Min(n13, 1024));
                    for (int j = 0; j < n13; j++)
                    {
                        list13.Add(ConnectorConversationFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Conversations)));
                    }
                    
                    value.Conversations = list13;
                    break;
                case 13:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n14 = reader.ReadArrayHeader();
                    var list14 = new List<ConnectorCall>(Math.Min(n14, 1024));
                    for (int j = 0; j < n14; j++)
                    {
                        list14.Add(ConnectorCallFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.ConnectorCalls)));
                    }
                    
                    value.ConnectorCalls = list14;
                    break;
                case 14:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n15 = reader.ReadArrayHeader();
                    var list15 = new List<B2BCall>(Math.Min(n15, 1024));
                    for (int j = 0; j < n15; j++)
                    {
                        list15.Add(B2BCallFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.B2BCalls)));
                    }
                    
                    value.B2BCalls = list15;
                    break;
                case 15:
                    if (reader.TryReadNil())
                    {
                        break;
                    }

                    int n16 = reader.ReadArrayHeader();
                    var list16 = new List<DedupeEntry>(Math.Min(n16, 1024));
                    for (int j = 0; j < n16; j++)
                    {
                        list16.Add(DedupeEntryFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.SourceDedupe)));
                    }

                    value.SourceDedupe = list16;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class CallCreatedFormatter : IMessagePackFormatter<CallCreated?>
{
    public static readonly CallCreatedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, CallCreated? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(17);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write((int)value.InitialState);
        writer.Write((int)value.Role);
        DnIdFormatter.Instance.Serialize(ref writer, value.OtherDn, options);
        writer.Write((int)value.CallType);
        writer.Write((int)value.MediaType);
        writer.Write(value.Ani);
        writer.Write(value.Dnis);
        writer.Write(value.CallUuid);
        writer.Write(value.OrigConnId);
        writer.Write(value.CallId);
        writer.Write(value.NetworkCallId);
        writer.Write(value.NodeId);
        writer.Write((int)value.EscalationMode);
        writer.Write(value.AgentId);
        DnIdFormatter.Instance.Serialize(ref writer, value.ThisQueue, options);
        writer.WriteArrayHeader(value.UserData.Count);
        foreach (var item in value.UserData)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
    }

    public CallCreated? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new CallCreated();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 1:
                    value.InitialState = (PartyState)reader.ReadInt32();
                    break;
                case 2:
                    value.Role = (PartyRole)reader.ReadInt32();
                    break;
                case 3:
                    value.OtherDn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 4:
                    value.CallType = (CallType)reader.ReadInt32();
                    break;
                case 5:
                    value.MediaType = (MediaType)reader.ReadInt32();
                    break;
                case 6:
                    value.Ani = reader.ReadString() ?? "";
                    break;
                case 7:
                    value.Dnis = reader.ReadString() ?? "";
                    break;
                case 8:
                    value.CallUuid = reader.ReadString() ?? "";
                    break;
                case 9:
                    value.OrigConnId = reader.ReadUInt64();
                    break;
                case 10:
                    value.CallId = reader.ReadInt64();
                    break;
                case 11:
                    value.NetworkCallId = reader.ReadUInt64();
                    break;
                case 12:
                    value.NodeId = reader.ReadInt32();
                    break;
                case 13:
                    value.EscalationMode = (EscalationMode)reader.ReadInt32();
                    break;
                case 14:
                    value.AgentId = reader.ReadString() ?? "";
                    break;
                case 15:
                    value.ThisQueue = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 16:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n17 = reader.ReadArrayHeader();
                    var list17 = new List<KvPair>(Math.Min(n17, 1024));
                    for (int j = 0; j < n17; j++)
                    {
                        list17.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.UserData)));
                    }
                    
                    value.UserData = list17;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class PartyDialingFormatter : IMessagePackFormatter<PartyDialing?>
{
    public static readonly PartyDialingFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, PartyDialing? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(6);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        DnIdFormatter.Instance.Serialize(ref writer, value.OtherDn, options);
        writer.Write(value.AgentId);
        DnIdFormatter.Instance.Serialize(ref writer, value.ThisQueue, options);
        writer.Write((int)value.Role);
    }

    public PartyDialing? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new PartyDialing();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.OtherDn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 3:
                    value.AgentId = reader.ReadString() ?? "";
                    break;
                case 4:
                    value.ThisQueue = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 5:
                    value.Role = (PartyRole)reader.ReadInt32();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class PartyRingingFormatter : IMessagePackFormatter<PartyRinging?>
{
    public static readonly PartyRingingFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, PartyRinging? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(6);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        DnIdFormatter.Instance.Serialize(ref writer, value.OtherDn, options);
        writer.Write(value.AgentId);
        DnIdFormatter.Instance.Serialize(ref writer, value.ThisQueue, options);
        writer.Write((int)value.Role);
    }

    public PartyRinging? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new PartyRinging();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.OtherDn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 3:
                    value.AgentId = reader.ReadString() ?? "";
                    break;
                case 4:
                    value.ThisQueue = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 5:
                    value.Role = (PartyRole)reader.ReadInt32();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class PartyEstablishedFormatter : IMessagePackFormatter<PartyEstablished?>
{
    public static readonly PartyEstablishedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, PartyEstablished? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        DnIdFormatter.Instance.Serialize(ref writer, value.OtherDn, options);
    }

    public PartyEstablished? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new PartyEstablished();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.OtherDn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class PartyHeldFormatter : IMessagePackFormatter<PartyHeld?>
{
    public static readonly PartyHeldFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, PartyHeld? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public PartyHeld? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new PartyHeld();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class PartyRetrievedFormatter : IMessagePackFormatter<PartyRetrieved?>
{
    public static readonly PartyRetrievedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, PartyRetrieved? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public PartyRetrieved? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new PartyRetrieved();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class PartyQueuedFormatter : IMessagePackFormatter<PartyQueued?>
{
    public static readonly PartyQueuedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, PartyQueued? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Queue, options);
        DnIdFormatter.Instance.Serialize(ref writer, value.OtherDn, options);
    }

    public PartyQueued? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new PartyQueued();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Queue = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.OtherDn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class PartyDivertedFormatter : IMessagePackFormatter<PartyDiverted?>
{
    public static readonly PartyDivertedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, PartyDiverted? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        DnIdFormatter.Instance.Serialize(ref writer, value.Destination, options);
    }

    public PartyDiverted? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new PartyDiverted();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.Destination = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class AbandonedFormatter : IMessagePackFormatter<Abandoned?>
{
    public static readonly AbandonedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Abandoned? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public Abandoned? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new Abandoned();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class DestinationBusyFormatter : IMessagePackFormatter<DestinationBusy?>
{
    public static readonly DestinationBusyFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DestinationBusy? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        DnIdFormatter.Instance.Serialize(ref writer, value.OtherDn, options);
    }

    public DestinationBusy? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new DestinationBusy();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.OtherDn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class PartyAddedFormatter : IMessagePackFormatter<PartyAdded?>
{
    public static readonly PartyAddedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, PartyAdded? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(5);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write((int)value.Role);
        writer.Write(value.AgentId);
        DnIdFormatter.Instance.Serialize(ref writer, value.OtherDn, options);
    }

    public PartyAdded? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new PartyAdded();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.Role = (PartyRole)reader.ReadInt32();
                    break;
                case 3:
                    value.AgentId = reader.ReadString() ?? "";
                    break;
                case 4:
                    value.OtherDn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class PartyDeletedFormatter : IMessagePackFormatter<PartyDeleted?>
{
    public static readonly PartyDeletedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, PartyDeleted? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public PartyDeleted? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new PartyDeleted();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class PartyChangedFormatter : IMessagePackFormatter<PartyChanged?>
{
    public static readonly PartyChangedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, PartyChanged? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        writer.Write(value.NewConnId);
    }

    public PartyChanged? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new PartyChanged();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.NewConnId = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class TransferStartedFormatter : IMessagePackFormatter<TransferStarted?>
{
    public static readonly TransferStartedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, TransferStarted? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(5);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Controller, options);
        writer.Write((int)value.Kind);
        DnIdFormatter.Instance.Serialize(ref writer, value.Target, options);
        writer.Write(value.ConsultConnId);
    }

    public TransferStarted? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new TransferStarted();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Controller = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.Kind = (TransferKind)reader.ReadInt32();
                    break;
                case 3:
                    value.Target = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 4:
                    value.ConsultConnId = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class TransferCompletedFormatter : IMessagePackFormatter<TransferCompleted?>
{
    public static readonly TransferCompletedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, TransferCompleted? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        writer.Write(value.ConnId);
    }

    public TransferCompleted? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new TransferCompleted();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class TransferAbortedFormatter : IMessagePackFormatter<TransferAborted?>
{
    public static readonly TransferAbortedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, TransferAborted? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        writer.Write(value.ConnId);
    }

    public TransferAborted? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new TransferAborted();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class PartyReleasedFormatter : IMessagePackFormatter<PartyReleased?>
{
    public static readonly PartyReleasedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, PartyReleased? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write(value.Cause);
    }

    public PartyReleased? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new PartyReleased();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.Cause = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class CallReleasedFormatter : IMessagePackFormatter<CallReleased?>
{
    public static readonly CallReleasedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, CallReleased? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        writer.Write(value.Cause);
    }

    public CallReleased? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new CallReleased();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Cause = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class CallsSweptFormatter : IMessagePackFormatter<CallsSwept?>
{
    public static readonly CallsSweptFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, CallsSwept? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.IdleMs);
        writer.Write(value.MaxCalls);
        writer.Write(value.OnlyUnanswered);
    }

    public CallsSwept? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new CallsSwept();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.IdleMs = reader.ReadInt64();
                    break;
                case 1:
                    value.MaxCalls = reader.ReadUInt32();
                    break;
                case 2:
                    value.OnlyUnanswered = reader.ReadBoolean();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class RouteRequestedFormatter : IMessagePackFormatter<RouteRequested?>
{
    public static readonly RouteRequestedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, RouteRequested? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.RoutePoint, options);
        writer.Write(value.TimeoutMs);
    }

    public RouteRequested? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new RouteRequested();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.RoutePoint = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.TimeoutMs = reader.ReadInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class RouteUsedFormatter : IMessagePackFormatter<RouteUsed?>
{
    public static readonly RouteUsedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, RouteUsed? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Destination, options);
    }

    public RouteUsed? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new RouteUsed();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Destination = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class RouteTimedOutFormatter : IMessagePackFormatter<RouteTimedOut?>
{
    public static readonly RouteTimedOutFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, RouteTimedOut? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        writer.Write(value.ConnId);
    }

    public RouteTimedOut? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new RouteTimedOut();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class UserDataAttachedFormatter : IMessagePackFormatter<UserDataAttached?>
{
    public static readonly UserDataAttachedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, UserDataAttached? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        writer.WriteArrayHeader(value.Pairs.Count);
        foreach (var item in value.Pairs)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
    }

    public UserDataAttached? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new UserDataAttached();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n2 = reader.ReadArrayHeader();
                    var list2 = new List<KvPair>(Math.Min(n2, 1024));
                    for (int j = 0; j < n2; j++)
                    {
                        list2.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Pairs)));
                    }
                    
                    value.Pairs = list2;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class UserDataUpdatedFormatter : IMessagePackFormatter<UserDataUpdated?>
{
    public static readonly UserDataUpdatedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, UserDataUpdated? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        writer.WriteArrayHeader(value.Pairs.Count);
        foreach (var item in value.Pairs)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
    }

    public UserDataUpdated? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new UserDataUpdated();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n2 = reader.ReadArrayHeader();
                    var list2 = new List<KvPair>(Math.Min(n2, 1024));
                    for (int j = 0; j < n2; j++)
                    {
                        list2.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Pairs)));
                    }
                    
                    value.Pairs = list2;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class UserDataKeyDeletedFormatter : IMessagePackFormatter<UserDataKeyDeleted?>
{
    public static readonly UserDataKeyDeletedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, UserDataKeyDeleted? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        writer.Write(value.Key);
    }

    public UserDataKeyDeleted? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new UserDataKeyDeleted();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Key = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class UserDataClearedFormatter : IMessagePackFormatter<UserDataCleared?>
{
    public static readonly UserDataClearedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, UserDataCleared? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        writer.Write(value.ConnId);
    }

    public UserDataCleared? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new UserDataCleared();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class TreatmentRequestedFormatter : IMessagePackFormatter<TreatmentRequested?>
{
    public static readonly TreatmentRequestedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, TreatmentRequested? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(4);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write((int)value.Type);
        writer.WriteArrayHeader(value.Parameters.Count);
        foreach (var item in value.Parameters)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
    }

    public TreatmentRequested? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new TreatmentRequested();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.Type = (TreatmentType)reader.ReadInt32();
                    break;
                case 3:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n4 = reader.ReadArrayHeader();
                    var list4 = new List<KvPair>(Math.Min(n4, 1024));
                    for (int j = 0; j < n4; j++)
                    {
                        list4.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Parameters)));
                    }
                    
                    value.Parameters = list4;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class TreatmentAppliedFormatter : IMessagePackFormatter<TreatmentApplied?>
{
    public static readonly TreatmentAppliedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, TreatmentApplied? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write(value.MediaResource);
    }

    public TreatmentApplied? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new TreatmentApplied();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.MediaResource = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class TreatmentEndedFormatter : IMessagePackFormatter<TreatmentEnded?>
{
    public static readonly TreatmentEndedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, TreatmentEnded? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public TreatmentEnded? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new TreatmentEnded();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class TreatmentNotAppliedFormatter : IMessagePackFormatter<TreatmentNotApplied?>
{
    public static readonly TreatmentNotAppliedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, TreatmentNotApplied? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write(value.Cause);
    }

    public TreatmentNotApplied? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new TreatmentNotApplied();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.Cause = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class IsccRequestedFormatter : IMessagePackFormatter<IsccRequested?>
{
    public static readonly IsccRequestedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, IsccRequested? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(7);
        writer.Write(value.ConnId);
        writer.Write(value.TransactionId);
        writer.Write((int)value.Direction);
        writer.Write(value.RemoteLocation);
        writer.Write((int)value.CastType);
        writer.Write(value.TimeoutMs);
        writer.Write(value.Token);
    }

    public IsccRequested? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new IsccRequested();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.TransactionId = reader.ReadUInt32();
                    break;
                case 2:
                    value.Direction = (IsccDirection)reader.ReadInt32();
                    break;
                case 3:
                    value.RemoteLocation = reader.ReadString() ?? "";
                    break;
                case 4:
                    value.CastType = (IsccCastType)reader.ReadInt32();
                    break;
                case 5:
                    value.TimeoutMs = reader.ReadInt64();
                    break;
                case 6:
                    value.Token = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class IsccResourceAllocatedFormatter : IMessagePackFormatter<IsccResourceAllocated?>
{
    public static readonly IsccResourceAllocatedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, IsccResourceAllocated? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.TransactionId);
        DnIdFormatter.Instance.Serialize(ref writer, value.AccessResource, options);
    }

    public IsccResourceAllocated? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new IsccResourceAllocated();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.TransactionId = reader.ReadUInt32();
                    break;
                case 1:
                    value.AccessResource = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class IsccSucceededFormatter : IMessagePackFormatter<IsccSucceeded?>
{
    public static readonly IsccSucceededFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, IsccSucceeded? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.TransactionId);
        writer.Write(value.RemoteConnId);
    }

    public IsccSucceeded? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new IsccSucceeded();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.TransactionId = reader.ReadUInt32();
                    break;
                case 1:
                    value.RemoteConnId = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class IsccFailedFormatter : IMessagePackFormatter<IsccFailed?>
{
    public static readonly IsccFailedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, IsccFailed? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.TransactionId);
        writer.Write(value.Cause);
    }

    public IsccFailed? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new IsccFailed();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.TransactionId = reader.ReadUInt32();
                    break;
                case 1:
                    value.Cause = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class IsccTimedOutFormatter : IMessagePackFormatter<IsccTimedOut?>
{
    public static readonly IsccTimedOutFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, IsccTimedOut? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        writer.Write(value.TransactionId);
    }

    public IsccTimedOut? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new IsccTimedOut();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.TransactionId = reader.ReadUInt32();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class AgentLoggedInFormatter : IMessagePackFormatter<AgentLoggedIn?>
{
    public static readonly AgentLoggedInFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, AgentLoggedIn? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(8);
        writer.Write(value.AgentId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        DnIdFormatter.Instance.Serialize(ref writer, value.Queue, options);
        writer.Write((int)value.WorkMode);
        writer.WriteArrayHeader(value.Reasons.Count);
        foreach (var item in value.Reasons)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.Write(value.Place);
        writer.Write(value.EmployeeId);
        writer.Write(value.PreferredSite);
    }

    public AgentLoggedIn? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new AgentLoggedIn();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.AgentId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 2:
                    value.Queue = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 3:
                    value.WorkMode = (AgentWorkMode)reader.ReadInt32();
                    break;
                case 4:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n5 = reader.ReadArrayHeader();
                    var list5 = new List<KvPair>(Math.Min(n5, 1024));
                    for (int j = 0; j < n5; j++)
                    {
                        list5.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Reasons)));
                    }
                    
                    value.Reasons = list5;
                    break;
                case 5:
                    value.Place = reader.ReadString() ?? "";
                    break;
                case 6:
                    value.EmployeeId = reader.ReadString() ?? "";
                    break;
                case 7:
                    value.PreferredSite = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class AgentLoggedOutFormatter : IMessagePackFormatter<AgentLoggedOut?>
{
    public static readonly AgentLoggedOutFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, AgentLoggedOut? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        writer.Write(value.AgentId);
    }

    public AgentLoggedOut? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new AgentLoggedOut();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.AgentId = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class AgentReadyFormatter : IMessagePackFormatter<AgentReady?>
{
    public static readonly AgentReadyFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, AgentReady? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.AgentId);
        writer.Write((int)value.WorkMode);
    }

    public AgentReady? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new AgentReady();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.AgentId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.WorkMode = (AgentWorkMode)reader.ReadInt32();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class AgentNotReadyFormatter : IMessagePackFormatter<AgentNotReady?>
{
    public static readonly AgentNotReadyFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, AgentNotReady? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.AgentId);
        writer.Write((int)value.WorkMode);
        writer.WriteArrayHeader(value.Reasons.Count);
        foreach (var item in value.Reasons)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
    }

    public AgentNotReady? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new AgentNotReady();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.AgentId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.WorkMode = (AgentWorkMode)reader.ReadInt32();
                    break;
                case 2:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n3 = reader.ReadArrayHeader();
                    var list3 = new List<KvPair>(Math.Min(n3, 1024));
                    for (int j = 0; j < n3; j++)
                    {
                        list3.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Reasons)));
                    }
                    
                    value.Reasons = list3;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class DnOutOfServiceFormatter : IMessagePackFormatter<DnOutOfService?>
{
    public static readonly DnOutOfServiceFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DnOutOfService? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public DnOutOfService? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new DnOutOfService();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class DnBackInServiceFormatter : IMessagePackFormatter<DnBackInService?>
{
    public static readonly DnBackInServiceFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DnBackInService? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public DnBackInService? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new DnBackInService();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class DndOnFormatter : IMessagePackFormatter<DndOn?>
{
    public static readonly DndOnFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DndOn? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public DndOn? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new DndOn();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class DndOffFormatter : IMessagePackFormatter<DndOff?>
{
    public static readonly DndOffFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DndOff? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public DndOff? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new DndOff();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ForwardSetFormatter : IMessagePackFormatter<ForwardSet?>
{
    public static readonly ForwardSetFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ForwardSet? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write((int)value.Mode);
        DnIdFormatter.Instance.Serialize(ref writer, value.Destination, options);
    }

    public ForwardSet? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ForwardSet();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 1:
                    value.Mode = (ForwardMode)reader.ReadInt32();
                    break;
                case 2:
                    value.Destination = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ForwardCancelFormatter : IMessagePackFormatter<ForwardCancel?>
{
    public static readonly ForwardCancelFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ForwardCancel? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public ForwardCancel? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ForwardCancel();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class MuteOnFormatter : IMessagePackFormatter<MuteOn?>
{
    public static readonly MuteOnFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, MuteOn? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public MuteOn? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new MuteOn();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class MuteOffFormatter : IMessagePackFormatter<MuteOff?>
{
    public static readonly MuteOffFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, MuteOff? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnId);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public MuteOff? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new MuteOff();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnId = reader.ReadUInt64();
                    break;
                case 1:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class SessionOpenedFormatter : IMessagePackFormatter<SessionOpened?>
{
    public static readonly SessionOpenedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, SessionOpened? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.SessionId);
        writer.Write(value.ClientName);
        writer.Write(value.LeaseMs);
    }

    public SessionOpened? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new SessionOpened();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.SessionId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.ClientName = reader.ReadString() ?? "";
                    break;
                case 2:
                    value.LeaseMs = reader.ReadInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class SessionRenewedFormatter : IMessagePackFormatter<SessionRenewed?>
{
    public static readonly SessionRenewedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, SessionRenewed? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.SessionId);
        writer.Write(value.LeaseMs);
        writer.Write(value.LastAckedIndex);
    }

    public SessionRenewed? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new SessionRenewed();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.SessionId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.LeaseMs = reader.ReadInt64();
                    break;
                case 2:
                    value.LastAckedIndex = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class SessionExpiredFormatter : IMessagePackFormatter<SessionExpired?>
{
    public static readonly SessionExpiredFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, SessionExpired? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        writer.Write(value.SessionId);
    }

    public SessionExpired? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new SessionExpired();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.SessionId = reader.ReadString() ?? "";
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class AddressRegisteredFormatter : IMessagePackFormatter<AddressRegistered?>
{
    public static readonly AddressRegisteredFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, AddressRegistered? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(4);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
        writer.Write((int)value.RegisterMode);
        writer.Write((int)value.ControlMode);
        writer.Write((int)value.AddressType);
    }

    public AddressRegistered? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new AddressRegistered();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 1:
                    value.RegisterMode = (RegisterMode)reader.ReadInt32();
                    break;
                case 2:
                    value.ControlMode = (ControlMode)reader.ReadInt32();
                    break;
                case 3:
                    value.AddressType = (AddressType)reader.ReadInt32();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class AddressUnregisteredFormatter : IMessagePackFormatter<AddressUnregistered?>
{
    public static readonly AddressUnregisteredFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, AddressUnregistered? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(1);
        DnIdFormatter.Instance.Serialize(ref writer, value.Dn, options);
    }

    public AddressUnregistered? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new AddressUnregistered();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Dn = DnIdFormatter.Instance.Deserialize(ref reader, options);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnectorUpFormatter : IMessagePackFormatter<ConnectorUp?>
{
    public static readonly ConnectorUpFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConnectorUp? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(5);
        writer.Write(value.ConnectorId);
        writer.Write(value.Endpoint);
        writer.Write(value.Pool);
        writer.Write(value.LeaseMs);
        writer.Write(value.Epoch);
    }

    public ConnectorUp? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConnectorUp();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.Endpoint = reader.ReadString() ?? "";
                    break;
                case 2:
                    value.Pool = reader.ReadString() ?? "";
                    break;
                case 3:
                    value.LeaseMs = reader.ReadInt64();
                    break;
                case 4:
                    value.Epoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnectorDownFormatter : IMessagePackFormatter<ConnectorDown?>
{
    public static readonly ConnectorDownFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConnectorDown? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write(value.ConnectorId);
        writer.Write(value.Epoch);
    }

    public ConnectorDown? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConnectorDown();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.Epoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class DnsReassignedFormatter : IMessagePackFormatter<DnsReassigned?>
{
    public static readonly DnsReassignedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DnsReassigned? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(5);
        writer.Write(value.FromConnectorId);
        writer.WriteArrayHeader(value.Assignments.Count);
        foreach (var item in value.Assignments)
        {
            DnAssignmentFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.Write(value.FromEpoch);
        writer.Write(value.AdoptingConnectorId);
        writer.Write(value.AdoptingEpoch);
    }

    public DnsReassigned? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new DnsReassigned();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.FromConnectorId = reader.ReadString() ?? "";
                    break;
                case 1:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n2 = reader.ReadArrayHeader();
                    var list2 = new List<DnAssignment>(Math.Min(n2, 1024));
                    for (int j = 0; j < n2; j++)
                    {
                        list2.Add(DnAssignmentFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Assignments)));
                    }
                    
                    value.Assignments = list2;
                    break;
                case 2:
                    value.FromEpoch = reader.ReadUInt64();
                    break;
                case 3:
                    value.AdoptingConnectorId = reader.ReadString() ?? "";
                    break;
                case 4:
                    value.AdoptingEpoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnConferenceUpsertedFormatter : IMessagePackFormatter<ConnConferenceUpserted?>
{
    public static readonly ConnConferenceUpsertedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConnConferenceUpserted? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        ConnectorConferenceFormatter.Instance.Serialize(ref writer, value.Record, options);
        writer.Write(value.Epoch);
    }

    public ConnConferenceUpserted? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConnConferenceUpserted();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Record = ConnectorConferenceFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 1:
                    value.Epoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnConferenceRemovedFormatter : IMessagePackFormatter<ConnConferenceRemoved?>
{
    public static readonly ConnConferenceRemovedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConnConferenceRemoved? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.ConferenceUri);
        writer.Write(value.ConnectorId);
        writer.Write(value.Epoch);
    }

    public ConnConferenceRemoved? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConnConferenceRemoved();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConferenceUri = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                case 2:
                    value.Epoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnConversationUpsertedFormatter : IMessagePackFormatter<ConnConversationUpserted?>
{
    public static readonly ConnConversationUpsertedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConnConversationUpserted? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        ConnectorConversationFormatter.Instance.Serialize(ref writer, value.Record, options);
        writer.Write(value.Epoch);
    }

    public ConnConversationUpserted? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConnConversationUpserted();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Record = ConnectorConversationFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 1:
                    value.Epoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnConversationRemovedFormatter : IMessagePackFormatter<ConnConversationRemoved?>
{
    public static readonly ConnConversationRemovedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConnConversationRemoved? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.ConversationId);
        writer.Write(value.ConnectorId);
        writer.Write(value.Epoch);
    }

    public ConnConversationRemoved? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConnConversationRemoved();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.ConversationId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                case 2:
                    value.Epoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnCallUpsertedFormatter : IMessagePackFormatter<ConnCallUpserted?>
{
    public static readonly ConnCallUpsertedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConnCallUpserted? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        ConnectorCallFormatter.Instance.Serialize(ref writer, value.Record, options);
        writer.Write(value.Epoch);
    }

    public ConnCallUpserted? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConnCallUpserted();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Record = ConnectorCallFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 1:
                    value.Epoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConnCallRemovedFormatter : IMessagePackFormatter<ConnCallRemoved?>
{
    public static readonly ConnCallRemovedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConnCallRemoved? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.CallId);
        writer.Write(value.ConnectorId);
        writer.Write(value.Epoch);
    }

    public ConnCallRemoved? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConnCallRemoved();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.CallId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                case 2:
                    value.Epoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class B2BUpsertedFormatter : IMessagePackFormatter<B2BUpserted?>
{
    public static readonly B2BUpsertedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, B2BUpserted? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        B2BCallFormatter.Instance.Serialize(ref writer, value.Record, options);
        writer.Write(value.Epoch);
    }

    public B2BUpserted? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new B2BUpserted();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Record = B2BCallFormatter.Instance.Deserialize(ref reader, options);
                    break;
                case 1:
                    value.Epoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class B2BRemovedFormatter : IMessagePackFormatter<B2BRemoved?>
{
    public static readonly B2BRemovedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, B2BRemoved? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(3);
        writer.Write(value.B2BId);
        writer.Write(value.ConnectorId);
        writer.Write(value.Epoch);
    }

    public B2BRemoved? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new B2BRemoved();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.B2BId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.ConnectorId = reader.ReadString() ?? "";
                    break;
                case 2:
                    value.Epoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class ConfigAppliedFormatter : IMessagePackFormatter<ConfigApplied?>
{
    public static readonly ConfigAppliedFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ConfigApplied? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(7);
        writer.Write(value.Version);
        writer.Write(value.Hash.Span);
        writer.WriteArrayHeader(value.Options.Count);
        foreach (var item in value.Options)
        {
            KvPairFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.RemovedOptions.Count);
        foreach (var item in value.RemovedOptions)
        {
            writer.Write(item);
        }
        writer.WriteArrayHeader(value.DnUpserts.Count);
        foreach (var item in value.DnUpserts)
        {
            DnFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.WriteArrayHeader(value.DnRemovals.Count);
        foreach (var item in value.DnRemovals)
        {
            DnIdFormatter.Instance.Serialize(ref writer, item, options);
        }
        writer.Write((int)value.LoginConflictPolicy);
    }

    public ConfigApplied? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new ConfigApplied();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.Version = reader.ReadInt64();
                    break;
                case 1:
                    value.Hash = Contract.ReadBytes(ref reader);
                    break;
                case 2:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n3 = reader.ReadArrayHeader();
                    var list3 = new List<KvPair>(Math.Min(n3, 1024));
                    for (int j = 0; j < n3; j++)
                    {
                        list3.Add(KvPairFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.Options)));
                    }
                    
                    value.Options = list3;
                    break;
                case 3:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n4 = reader.ReadArrayHeader();
                    var list4 = new List<string>(Math.Min(n4, 1024));
                    for (int j = 0; j < n4; j++)
                    {
                        list4.Add(reader.ReadString() ?? throw Contract.NilItem(nameof(value.RemovedOptions)));
                    }
                    
                    value.RemovedOptions = list4;
                    break;
                case 4:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n5 = reader.ReadArrayHeader();
                    var list5 = new List<Dn>(Math.Min(n5, 1024));
                    for (int j = 0; j < n5; j++)
                    {
                        list5.Add(DnFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.DnUpserts)));
                    }
                    
                    value.DnUpserts = list5;
                    break;
                case 5:
                    if (reader.TryReadNil())
                    {
                        break;
                    }
                    
                    int n6 = reader.ReadArrayHeader();
                    var list6 = new List<DnId>(Math.Min(n6, 1024));
                    for (int j = 0; j < n6; j++)
                    {
                        list6.Add(DnIdFormatter.Instance.Deserialize(ref reader, options) ?? throw Contract.NilItem(nameof(value.DnRemovals)));
                    }
                    
                    value.DnRemovals = list6;
                    break;
                case 6:
                    value.LoginConflictPolicy = (LoginConflictPolicy)reader.ReadInt32();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

internal sealed class CommandFormatter : IMessagePackFormatter<Command?>
{
    public static readonly CommandFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Command? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        // [session, reference, kind] or, with a source, [session, reference, kind, source, sequence, epoch]:
        // a command without a source encodes as it did before the source existed. A member added after
        // SourceEpoch must write all six first (a reader takes element 3 as the source).
        bool sourced = value.Source.Length != 0 || value.SourceSequence != 0 || value.SourceEpoch != 0;
        writer.WriteArrayHeader(sourced ? 6 : 3);
        writer.Write(value.SessionId);
        writer.Write(value.ReferenceId);
        CommandKindFormatter.Serialize(ref writer, value, options);
        if (sourced)
        {
            writer.Write(value.Source);
            writer.Write(value.SourceSequence);
            writer.Write(value.SourceEpoch);
        }
    }

    public Command? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        var value = new Command();
        for (int i = 0; i < count; i++)
        {
            switch (i)
            {
                case 0:
                    value.SessionId = reader.ReadString() ?? "";
                    break;
                case 1:
                    value.ReferenceId = reader.ReadUInt32();
                    break;
                case 2:
                    value.Kind = CommandKindFormatter.Deserialize(ref reader, options);
                    break;
                case 3:
                    value.Source = reader.ReadString() ?? "";
                    break;
                case 4:
                    value.SourceSequence = reader.ReadUInt64();
                    break;
                case 5:
                    value.SourceEpoch = reader.ReadUInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        reader.Depth--;
        return value;
    }
}

// Command.Kind: [tag, body], the tag being the protobuf field number of the kind (Command.KindOneofCase).
internal static class CommandKindFormatter
{
    public static void Serialize(ref MessagePackWriter writer, Command value, MessagePackSerializerOptions options)
    {
        if (value.KindCase == Command.KindOneofCase.None)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(2);
        writer.Write((int)value.KindCase);
        switch (value.Kind)
        {
            case CallCreated kind:
                CallCreatedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case PartyDialing kind:
                PartyDialingFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case PartyRinging kind:
                PartyRingingFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case PartyEstablished kind:
                PartyEstablishedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case PartyHeld kind:
                PartyHeldFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case PartyRetrieved kind:
                PartyRetrievedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case PartyQueued kind:
                PartyQueuedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case PartyDiverted kind:
                PartyDivertedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case Abandoned kind:
                AbandonedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case DestinationBusy kind:
                DestinationBusyFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case PartyAdded kind:
                PartyAddedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case PartyDeleted kind:
                PartyDeletedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case PartyChanged kind:
                PartyChangedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case TransferStarted kind:
                TransferStartedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case TransferCompleted kind:
                TransferCompletedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case TransferAborted kind:
                TransferAbortedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case PartyReleased kind:
                PartyReleasedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case CallReleased kind:
                CallReleasedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case RouteRequested kind:
                RouteRequestedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case RouteUsed kind:
                RouteUsedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case RouteTimedOut kind:
                RouteTimedOutFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case UserDataAttached kind:
                UserDataAttachedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case UserDataUpdated kind:
                UserDataUpdatedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case UserDataKeyDeleted kind:
                UserDataKeyDeletedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case UserDataCleared kind:
                UserDataClearedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case TreatmentRequested kind:
                TreatmentRequestedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case TreatmentApplied kind:
                TreatmentAppliedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case TreatmentEnded kind:
                TreatmentEndedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case TreatmentNotApplied kind:
                TreatmentNotAppliedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case IsccRequested kind:
                IsccRequestedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case IsccResourceAllocated kind:
                IsccResourceAllocatedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case IsccSucceeded kind:
                IsccSucceededFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case IsccFailed kind:
                IsccFailedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case IsccTimedOut kind:
                IsccTimedOutFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case CallsSwept kind:
                CallsSweptFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case AgentLoggedIn kind:
                AgentLoggedInFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case AgentLoggedOut kind:
                AgentLoggedOutFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case AgentReady kind:
                AgentReadyFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case AgentNotReady kind:
                AgentNotReadyFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case DnOutOfService kind:
                DnOutOfServiceFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case DnBackInService kind:
                DnBackInServiceFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case DndOn kind:
                DndOnFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case DndOff kind:
                DndOffFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case ForwardSet kind:
                ForwardSetFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case ForwardCancel kind:
                ForwardCancelFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case MuteOn kind:
                MuteOnFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case MuteOff kind:
                MuteOffFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case SessionOpened kind:
                SessionOpenedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case SessionRenewed kind:
                SessionRenewedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case SessionExpired kind:
                SessionExpiredFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case AddressRegistered kind:
                AddressRegisteredFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case AddressUnregistered kind:
                AddressUnregisteredFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case ConnectorUp kind:
                ConnectorUpFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case ConnectorDown kind:
                ConnectorDownFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case DnsReassigned kind:
                DnsReassignedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case ConnConferenceUpserted kind:
                ConnConferenceUpsertedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case ConnConferenceRemoved kind:
                ConnConferenceRemovedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case ConnConversationUpserted kind:
                ConnConversationUpsertedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case ConnConversationRemoved kind:
                ConnConversationRemovedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case ConnCallUpserted kind:
                ConnCallUpsertedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case ConnCallRemoved kind:
                ConnCallRemovedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case B2BUpserted kind:
                B2BUpsertedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case B2BRemoved kind:
                B2BRemovedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
            case ConfigApplied kind:
                ConfigAppliedFormatter.Instance.Serialize(ref writer, kind, options);
                break;
        }
    }

    public static ICommandKind? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        if (count != 2)
        {
            throw new MessagePackSerializationException($"A command kind is [tag, body], not an array of {count}.");
        }

        options.Security.DepthStep(ref reader);
        ICommandKind? kind = reader.ReadInt32() switch
        {
            10 => CallCreatedFormatter.Instance.Deserialize(ref reader, options),
            11 => PartyDialingFormatter.Instance.Deserialize(ref reader, options),
            12 => PartyRingingFormatter.Instance.Deserialize(ref reader, options),
            13 => PartyEstablishedFormatter.Instance.Deserialize(ref reader, options),
            14 => PartyHeldFormatter.Instance.Deserialize(ref reader, options),
            15 => PartyRetrievedFormatter.Instance.Deserialize(ref reader, options),
            16 => PartyQueuedFormatter.Instance.Deserialize(ref reader, options),
            17 => PartyDivertedFormatter.Instance.Deserialize(ref reader, options),
            18 => AbandonedFormatter.Instance.Deserialize(ref reader, options),
            19 => DestinationBusyFormatter.Instance.Deserialize(ref reader, options),
            20 => PartyAddedFormatter.Instance.Deserialize(ref reader, options),
            21 => PartyDeletedFormatter.Instance.Deserialize(ref reader, options),
            22 => PartyChangedFormatter.Instance.Deserialize(ref reader, options),
            23 => TransferStartedFormatter.Instance.Deserialize(ref reader, options),
            24 => TransferCompletedFormatter.Instance.Deserialize(ref reader, options),
            25 => TransferAbortedFormatter.Instance.Deserialize(ref reader, options),
            26 => PartyReleasedFormatter.Instance.Deserialize(ref reader, options),
            27 => CallReleasedFormatter.Instance.Deserialize(ref reader, options),
            28 => RouteRequestedFormatter.Instance.Deserialize(ref reader, options),
            29 => RouteUsedFormatter.Instance.Deserialize(ref reader, options),
            30 => RouteTimedOutFormatter.Instance.Deserialize(ref reader, options),
            31 => UserDataAttachedFormatter.Instance.Deserialize(ref reader, options),
            32 => UserDataUpdatedFormatter.Instance.Deserialize(ref reader, options),
            33 => UserDataKeyDeletedFormatter.Instance.Deserialize(ref reader, options),
            34 => UserDataClearedFormatter.Instance.Deserialize(ref reader, options),
            35 => TreatmentRequestedFormatter.Instance.Deserialize(ref reader, options),
            36 => TreatmentAppliedFormatter.Instance.Deserialize(ref reader, options),
            37 => TreatmentEndedFormatter.Instance.Deserialize(ref reader, options),
            38 => TreatmentNotAppliedFormatter.Instance.Deserialize(ref reader, options),
            39 => IsccRequestedFormatter.Instance.Deserialize(ref reader, options),
            40 => IsccResourceAllocatedFormatter.Instance.Deserialize(ref reader, options),
            41 => IsccSucceededFormatter.Instance.Deserialize(ref reader, options),
            42 => IsccFailedFormatter.Instance.Deserialize(ref reader, options),
            43 => IsccTimedOutFormatter.Instance.Deserialize(ref reader, options),
            44 => CallsSweptFormatter.Instance.Deserialize(ref reader, options),
            60 => AgentLoggedInFormatter.Instance.Deserialize(ref reader, options),
            61 => AgentLoggedOutFormatter.Instance.Deserialize(ref reader, options),
            62 => AgentReadyFormatter.Instance.Deserialize(ref reader, options),
            63 => AgentNotReadyFormatter.Instance.Deserialize(ref reader, options),
            64 => DnOutOfServiceFormatter.Instance.Deserialize(ref reader, options),
            65 => DnBackInServiceFormatter.Instance.Deserialize(ref reader, options),
            66 => DndOnFormatter.Instance.Deserialize(ref reader, options),
            67 => DndOffFormatter.Instance.Deserialize(ref reader, options),
            68 => ForwardSetFormatter.Instance.Deserialize(ref reader, options),
            69 => ForwardCancelFormatter.Instance.Deserialize(ref reader, options),
            70 => MuteOnFormatter.Instance.Deserialize(ref reader, options),
            71 => MuteOffFormatter.Instance.Deserialize(ref reader, options),
            72 => SessionOpenedFormatter.Instance.Deserialize(ref reader, options),
            73 => SessionRenewedFormatter.Instance.Deserialize(ref reader, options),
            74 => SessionExpiredFormatter.Instance.Deserialize(ref reader, options),
            75 => AddressRegisteredFormatter.Instance.Deserialize(ref reader, options),
            76 => AddressUnregisteredFormatter.Instance.Deserialize(ref reader, options),
            77 => ConnectorUpFormatter.Instance.Deserialize(ref reader, options),
            78 => ConnectorDownFormatter.Instance.Deserialize(ref reader, options),
            79 => DnsReassignedFormatter.Instance.Deserialize(ref reader, options),
            80 => ConnConferenceUpsertedFormatter.Instance.Deserialize(ref reader, options),
            81 => ConnConferenceRemovedFormatter.Instance.Deserialize(ref reader, options),
            82 => ConnConversationUpsertedFormatter.Instance.Deserialize(ref reader, options),
            83 => ConnConversationRemovedFormatter.Instance.Deserialize(ref reader, options),
            84 => ConnCallUpsertedFormatter.Instance.Deserialize(ref reader, options),
            85 => ConnCallRemovedFormatter.Instance.Deserialize(ref reader, options),
            86 => B2BUpsertedFormatter.Instance.Deserialize(ref reader, options),
            87 => B2BRemovedFormatter.Instance.Deserialize(ref reader, options),
            88 => ConfigAppliedFormatter.Instance.Deserialize(ref reader, options),
            _ => Unknown(ref reader),
        };
        reader.Depth--;
        return kind;
    }

    // A kind this version does not know: skipped, so the command has no kind and Apply rejects it.
    private static ICommandKind? Unknown(ref MessagePackReader reader)
    {
        reader.Skip();
        return null;
    }
}
