using Grpc.Core;

namespace HaCore.LoadTest.Etcd;

// The few messages of etcd's v3 API (3.4) that the harness uses, KV.Put, KV.Range and Maintenance.Status, encoded by
// hand in protobuf's wire format over Grpc.Net.Client with byte marshallers. The field numbers are etcd's
// (api/etcdserverpb/rpc.proto, api/mvccpb/kv.proto); every other field is skipped on decode. Written out so that
// Google.Protobuf and Grpc.Tools, which the contact-center payloads no longer need, stay out of the solution.

internal sealed class ResponseHeader
{
    public ulong ClusterId { get; set; }

    public ulong MemberId { get; set; }

    public long Revision { get; set; }

    public ulong RaftTerm { get; set; }

    public static ResponseHeader Read(ReadOnlySpan<byte> data)
    {
        var header = new ResponseHeader();
        var reader = new ProtoReader(data);
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1: header.ClusterId = reader.Varint(wire); break;
                case 2: header.MemberId = reader.Varint(wire); break;
                case 3: header.Revision = (long)reader.Varint(wire); break;
                case 4: header.RaftTerm = reader.Varint(wire); break;
                default: reader.Skip(wire); break;
            }
        }

        return header;
    }
}

internal sealed class KeyValue
{
    public byte[] Key { get; set; } = [];

    public byte[] Value { get; set; } = [];

    public static KeyValue Read(ReadOnlySpan<byte> data)
    {
        var kv = new KeyValue();
        var reader = new ProtoReader(data);
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1: kv.Key = reader.Bytes(wire).ToArray(); break;
                case 5: kv.Value = reader.Bytes(wire).ToArray(); break;
                default: reader.Skip(wire); break;
            }
        }

        return kv;
    }
}

internal sealed class PutRequest
{
    public byte[] Key { get; set; } = [];

    public byte[] Value { get; set; } = [];

    public byte[] Write() => new ProtoWriter().Bytes(1, Key).Bytes(2, Value).ToArray();
}

internal sealed class PutResponse
{
    public ResponseHeader Header { get; set; } = new();

    public static PutResponse Read(ReadOnlySpan<byte> data)
    {
        var response = new PutResponse();
        var reader = new ProtoReader(data);
        while (reader.Next(out int field, out int wire))
        {
            if (field == 1)
            {
                response.Header = ResponseHeader.Read(reader.Bytes(wire));
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return response;
    }
}

internal sealed class RangeRequest
{
    public byte[] Key { get; set; } = [];

    public bool Serializable { get; set; }

    public byte[] Write() => new ProtoWriter().Bytes(1, Key).Bool(7, Serializable).ToArray();
}

internal sealed class RangeResponse
{
    public ResponseHeader Header { get; set; } = new();

    public List<KeyValue> Kvs { get; } = [];

    public static RangeResponse Read(ReadOnlySpan<byte> data)
    {
        var response = new RangeResponse();
        var reader = new ProtoReader(data);
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1: response.Header = ResponseHeader.Read(reader.Bytes(wire)); break;
                case 2: response.Kvs.Add(KeyValue.Read(reader.Bytes(wire))); break;
                default: reader.Skip(wire); break;
            }
        }

        return response;
    }
}

internal sealed class StatusRequest
{
    public static byte[] Write() => [];
}

internal sealed class StatusResponse
{
    public ResponseHeader Header { get; set; } = new();

    public ulong Leader { get; set; }

    public ulong RaftIndex { get; set; }

    public ulong RaftTerm { get; set; }

    public ulong RaftAppliedIndex { get; set; }

    public static StatusResponse Read(ReadOnlySpan<byte> data)
    {
        var response = new StatusResponse();
        var reader = new ProtoReader(data);
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1: response.Header = ResponseHeader.Read(reader.Bytes(wire)); break;
                case 4: response.Leader = reader.Varint(wire); break;
                case 5: response.RaftIndex = reader.Varint(wire); break;
                case 6: response.RaftTerm = reader.Varint(wire); break;
                case 7: response.RaftAppliedIndex = reader.Varint(wire); break;
                default: reader.Skip(wire); break;
            }
        }

        return response;
    }
}

/// <summary>etcdserverpb.KV: Put and Range.</summary>
internal static class KV
{
    private static readonly Method<PutRequest, PutResponse> Put = new(
        MethodType.Unary, "etcdserverpb.KV", "Put",
        Marshallers.Create<PutRequest>(r => r.Write(), _ => throw new NotSupportedException()),
        Marshallers.Create<PutResponse>(_ => throw new NotSupportedException(), b => PutResponse.Read(b)));

    private static readonly Method<RangeRequest, RangeResponse> Range = new(
        MethodType.Unary, "etcdserverpb.KV", "Range",
        Marshallers.Create<RangeRequest>(r => r.Write(), _ => throw new NotSupportedException()),
        Marshallers.Create<RangeResponse>(_ => throw new NotSupportedException(), b => RangeResponse.Read(b)));

    public sealed class KVClient(ChannelBase channel)
    {
        private readonly CallInvoker _invoker = channel.CreateCallInvoker();

        public AsyncUnaryCall<PutResponse> PutAsync(PutRequest request, CallOptions options) => _invoker.AsyncUnaryCall(Put, null, options, request);

        public AsyncUnaryCall<RangeResponse> RangeAsync(RangeRequest request, CallOptions options) => _invoker.AsyncUnaryCall(Range, null, options, request);
    }
}

/// <summary>etcdserverpb.Maintenance: Status.</summary>
internal static class Maintenance
{
    private static readonly Method<StatusRequest, StatusResponse> Status = new(
        MethodType.Unary, "etcdserverpb.Maintenance", "Status",
        Marshallers.Create<StatusRequest>(_ => StatusRequest.Write(), _ => throw new NotSupportedException()),
        Marshallers.Create<StatusResponse>(_ => throw new NotSupportedException(), b => StatusResponse.Read(b)));

    public sealed class MaintenanceClient(ChannelBase channel)
    {
        private readonly CallInvoker _invoker = channel.CreateCallInvoker();

        public AsyncUnaryCall<StatusResponse> StatusAsync(StatusRequest request, DateTime? deadline = null) =>
            _invoker.AsyncUnaryCall(Status, null, new CallOptions(deadline: deadline), request);
    }
}

/// <summary>Protobuf wire format, writing: varint tags, varints, length-delimited bytes.</summary>
internal sealed class ProtoWriter
{
    private readonly List<byte> _bytes = [];

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Varint((ulong)((field << 3) | 2));
        Varint((ulong)value.Length);
        foreach (byte b in value)
        {
            _bytes.Add(b);
        }

        return this;
    }

    public ProtoWriter Bool(int field, bool value)
    {
        if (value)
        {
            Varint((ulong)(field << 3));
            Varint(1);
        }

        return this;
    }

    public byte[] ToArray() => [.. _bytes];

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        _bytes.Add((byte)value);
    }
}

/// <summary>Protobuf wire format, reading; a malformed message throws <see cref="InvalidDataException"/>.</summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public bool Next(out int field, out int wire)
    {
        if (_pos >= _data.Length)
        {
            field = wire = 0;
            return false;
        }

        ulong tag = ReadVarint();
        field = (int)(tag >> 3);
        wire = (int)(tag & 7);
        return true;
    }

    public ulong Varint(int wire) => wire == 0 ? ReadVarint() : throw new InvalidDataException($"wire type {wire} where a varint belongs");

    public ReadOnlySpan<byte> Bytes(int wire)
    {
        if (wire != 2)
        {
            throw new InvalidDataException($"wire type {wire} where bytes belong");
        }

        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _pos))
        {
            throw new InvalidDataException("a length past the end of the message");
        }

        var span = _data.Slice(_pos, (int)length);
        _pos += (int)length;
        return span;
    }

    public void Skip(int wire)
    {
        switch (wire)
        {
            case 0: ReadVarint(); break;
            case 1: Advance(8); break;
            case 2: Bytes(2); break;
            case 5: Advance(4); break;
            default: throw new InvalidDataException($"unknown wire type {wire}");
        }
    }

    private void Advance(int count)
    {
        if (count > _data.Length - _pos)
        {
            throw new InvalidDataException("a field past the end of the message");
        }

        _pos += count;
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _data.Length)
            {
                throw new InvalidDataException("a varint past the end of the message");
            }

            byte b = _data[_pos++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("a varint longer than 10 bytes");
    }
}
