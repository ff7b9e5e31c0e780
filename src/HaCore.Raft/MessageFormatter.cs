using System.Text;

namespace HaCore.Raft;

/// <summary>Formats messages in the compact form the interaction scripts expect.</summary>
public static class MessageFormatter
{
    /// <summary>Formats one message, for example <c>1->2 Append Term:1 Log:1/2 Commit:2 Entries:[1/3 5B]</c>.</summary>
    public static string Format(in Message m)
    {
        var sb = new StringBuilder();
        sb.Append(m.From).Append("->").Append(m.To).Append(' ').Append(m.Type);
        sb.Append(" Term:").Append(m.Term);
        switch (m.Type)
        {
            case MessageType.Append:
                sb.Append(" Log:").Append(m.LogTerm).Append('/').Append(m.Index).Append(" Commit:").Append(m.Commit);
                AppendEntries(sb, m.Entries.Span);
                break;
            case MessageType.AppendResponse:
                sb.Append(" Index:").Append(m.Index);
                if (m.Reject)
                {
                    sb.Append(" Rejected (Hint: ").Append(m.LogTerm).Append('/').Append(m.RejectHint).Append(')');
                }

                break;
            case MessageType.Vote or MessageType.PreVote:
                sb.Append(" Log:").Append(m.LogTerm).Append('/').Append(m.Index);
                if (m.Transfer)
                {
                    sb.Append(" Transfer");
                }

                break;
            case MessageType.VoteResponse or MessageType.PreVoteResponse:
                if (m.Reject)
                {
                    sb.Append(" Rejected");
                }

                break;
            case MessageType.Heartbeat:
                sb.Append(" Commit:").Append(m.Commit);
                if (m.Context != 0)
                {
                    sb.Append(" Context:").Append(m.Context);
                }

                break;
            case MessageType.HeartbeatResponse:
                if (m.Context != 0)
                {
                    sb.Append(" Context:").Append(m.Context);
                }

                break;
            case MessageType.Snapshot:
                if (m.Snapshot is { } s)
                {
                    sb.Append(" Snapshot: Index:").Append(s.Metadata.Index).Append(" Term:").Append(s.Metadata.Term)
                      .Append(' ').Append(s.Metadata.ConfState);
                }

                break;
            case MessageType.Propose:
                AppendEntries(sb, m.Entries.Span);
                break;
            case MessageType.ReadIndex:
                sb.Append(" Context:").Append(m.Context);
                break;
            case MessageType.ReadIndexResponse:
                sb.Append(" Index:").Append(m.Index).Append(" Context:").Append(m.Context);
                if (m.Reject)
                {
                    sb.Append(" Rejected");
                }

                break;
        }

        return sb.ToString();
    }

    /// <summary>Formats a run of entries as <c> Entries:[1/3 5B, 1/4 conf 10B]</c>, or nothing when empty.</summary>
    public static void AppendEntries(StringBuilder sb, ReadOnlySpan<Entry> entries)
    {
        if (entries.IsEmpty)
        {
            return;
        }

        sb.Append(" Entries:[");
        for (var i = 0; i < entries.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(entries[i]);
        }

        sb.Append(']');
    }
}
