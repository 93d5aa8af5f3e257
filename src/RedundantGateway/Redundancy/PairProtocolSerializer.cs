using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using RedundantGateway.Liveness;

namespace RedundantGateway.Redundancy;

/// <summary>
/// Serializes the pair's own protocol (heartbeats, reports, designations, failover and handover requests) in a
/// compact binary form with a stable manifest per type: heartbeats go every 200 ms, and the format is ours,
/// unchanged by an Akka upgrade. Fields are written in declaration order; enums by fixed codes, not by their
/// position in the C# enum. A change of shape gets a new manifest, so two versions of a node still understand
/// each other.
/// </summary>
public sealed class PairProtocolSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string HeartbeatManifest = "heartbeat";
    private const string HeartbeatAckManifest = "heartbeat-ack";
    private const string ReportManifest = "coordinator-report";
    private const string DesignatedManifest = "designated";
    private const string FailoverRequestedManifest = "failover-requested";
    private const string FailoverResultManifest = "failover-result";
    private const string TakeOverRequestedManifest = "take-over-requested";
    private const string TookOverManifest = "took-over";
    private const string TakeOverDeclinedManifest = "take-over-declined";
    private const string StateBatchManifest = "state-batch";
    private const string StateBatchAckManifest = "state-batch-ack";
    private const string HistoryLedgerRequestManifest = "history-ledger-request";
    private const string HistoryLedgerReplyManifest = "history-ledger-reply";

    // Manifests go on the wire: never rename one, only add.
    private static readonly FrozenDictionary<Type, string> ManifestByType = new Dictionary<Type, string>
    {
        [typeof(Heartbeat)] = HeartbeatManifest,
        [typeof(HeartbeatAck)] = HeartbeatAckManifest,
        [typeof(CoordinatorReport)] = ReportManifest,
        [typeof(ActiveNodeDesignated)] = DesignatedManifest,
        [typeof(FailoverRequested)] = FailoverRequestedManifest,
        [typeof(FailoverResult)] = FailoverResultManifest,
        [typeof(TakeOverRequested)] = TakeOverRequestedManifest,
        [typeof(TookOver)] = TookOverManifest,
        [typeof(TakeOverDeclined)] = TakeOverDeclinedManifest,
        [typeof(StateBatch)] = StateBatchManifest,
        [typeof(StateBatchAck)] = StateBatchAckManifest,
        [typeof(HistoryLedgerRequest)] = HistoryLedgerRequestManifest,
        [typeof(HistoryLedgerReply)] = HistoryLedgerReplyManifest,
    }.ToFrozenDictionary();

    /// <summary>Distinct from <see cref="ConfigSync.ConfigSyncSerializer"/>'s 4471.</summary>
    public override int Identifier => 4472;

    public override string Manifest(object o) =>
        ManifestByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType()} is not a pair protocol message");

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream(128);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (obj)
            {
                case Heartbeat m:
                    w.Write(m.Sequence); w.Write(m.SentAtMs); w.Write(m.FromAddress); w.Write(m.FromUid);
                    break;
                case HeartbeatAck m:
                    w.Write(m.Sequence); w.Write(m.SentAtMs); w.Write(m.ResponderAddress); w.Write(m.ResponderUid);
                    w.Write(m.ResponderNodeName); w.Write(m.ResponderIsUp); w.Write(m.ResponderSeesSender);
                    WriteActivity(w, m.ResponderActivity);
                    break;
                case CoordinatorReport m:
                    w.Write(m.NodeAddress); w.Write(m.NodeUid); w.Write(m.NodeName);
                    w.Write(RoleCode(m.Role)); w.Write(LevelCode(m.Level)); w.Write(m.Epoch);
                    WriteOptional(w, m.ActiveSinceMs); w.Write(m.Leaving);
                    break;
                case ActiveNodeDesignated m:
                    w.Write(m.Epoch); w.Write(m.ActiveAddress); w.Write(m.ActiveNodeName); w.Write(m.Reason);
                    break;
                case FailoverRequested m:
                    w.Write(m.Source);
                    break;
                case FailoverResult m:
                    w.Write(m.Accepted); w.Write(m.Message);
                    break;
                case TakeOverRequested m:
                    w.Write(m.Epoch); w.Write(m.FromNodeName); w.Write(m.Reason);
                    break;
                case TakeOverDeclined m:
                    w.Write(m.Reason);
                    break;
                case TookOver m:
                    w.Write(m.Epoch);
                    break;
                case StateBatch m:
                    // The payload is a StateCodec batch with its own CRC: written as is, after its length.
                    w.Write(m.Stream.ToByteArray()); w.Write(m.Sequence); w.Write(m.StartsStream); w.Write(m.EndsFull);
                    w.Write(m.Payload.Length); w.Write(m.Payload.AsSpan());
                    break;
                case StateBatchAck m:
                    w.Write(m.Stream.ToByteArray()); w.Write(m.Held); w.Write(m.Probe);
                    // Only when set: the release before refuses a longer acknowledgement, and most are not.
                    if (m.NeedsState) w.Write(true);
                    break;
                case HistoryLedgerRequest m:
                    w.Write(m.RequestId);
                    break;
                case HistoryLedgerReply m:
                    w.Write(m.RequestId); w.Write(m.Logging); w.Write(m.AnsweredAt.ToUnixTimeMilliseconds());
                    w.Write(m.Intervals.Count);
                    foreach (var i in m.Intervals) { w.Write(i.From.ToUnixTimeMilliseconds()); w.Write(i.To.ToUnixTimeMilliseconds()); }
                    break;
                default:
                    throw new ArgumentException($"{obj.GetType()} is not a pair protocol message");
            }
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        try
        {
            object message = manifest switch
            {
                HeartbeatManifest => new Heartbeat(r.ReadInt64(), r.ReadInt64(), r.ReadString(), r.ReadInt64()),
                HeartbeatAckManifest => new HeartbeatAck(r.ReadInt64(), r.ReadInt64(), r.ReadString(), r.ReadInt64(),
                    r.ReadString(), r.ReadBoolean(), r.ReadBoolean(), ReadActivity(r)),
                ReportManifest => new CoordinatorReport(r.ReadString(), r.ReadInt64(), r.ReadString(),
                    RoleOf(r.ReadByte()), LevelOf(r.ReadByte()), r.ReadInt64(), ReadOptional(r), r.ReadBoolean()),
                DesignatedManifest => new ActiveNodeDesignated(r.ReadInt64(), r.ReadString(), r.ReadString(), r.ReadString()),
                FailoverRequestedManifest => new FailoverRequested(r.ReadString()),
                FailoverResultManifest => new FailoverResult(r.ReadBoolean(), r.ReadString()),
                TakeOverRequestedManifest => new TakeOverRequested(r.ReadInt64(), r.ReadString(), r.ReadString()),
                TookOverManifest => new TookOver(r.ReadInt64()),
                TakeOverDeclinedManifest => new TakeOverDeclined(r.ReadString()),
                StateBatchManifest => new StateBatch(ReadGuid(r), r.ReadInt64(), r.ReadBoolean(), r.ReadBoolean(), ReadPayload(r)),
                StateBatchAckManifest => new StateBatchAck(ReadGuid(r), r.ReadInt64(), r.ReadBoolean(),
                    NeedsState: r.BaseStream.Position < bytes.Length && r.ReadBoolean()),
                HistoryLedgerRequestManifest => new HistoryLedgerRequest(r.ReadInt64()),
                HistoryLedgerReplyManifest => ReadLedgerReply(r),
                _ => throw new SerializationException($"unknown pair protocol manifest '{manifest}'"),
            };
            // A longer message is another shape than this node knows: refuse it rather than half-read it.
            if (r.BaseStream.Position != bytes.Length)
                throw new SerializationException($"pair protocol message '{manifest}': {bytes.Length - r.BaseStream.Position} bytes left over");
            return message;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or DecoderFallbackException or FormatException)
        {
            throw new SerializationException($"malformed pair protocol message '{manifest}' ({bytes.Length} bytes): {e.Message}", e);
        }
    }

    private static void WriteActivity(BinaryWriter w, PeerActivity activity)
    {
        w.Write(RoleCode(activity.Role)); w.Write(LevelCode(activity.Level)); w.Write(activity.Epoch);
        WriteOptional(w, activity.ActiveSinceMs);
    }

    private static PeerActivity ReadActivity(BinaryReader r) =>
        new(RoleOf(r.ReadByte()), LevelOf(r.ReadByte()), r.ReadInt64(), ReadOptional(r));

    private static HistoryLedgerReply ReadLedgerReply(BinaryReader r)
    {
        var requestId = r.ReadInt64();
        var logging = r.ReadBoolean();
        var answeredAt = DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64());
        var count = r.ReadInt32();
        // 16 bytes an interval: a count the message cannot hold is malformed, not an allocation to attempt.
        if (count < 0 || count > (r.BaseStream.Length - r.BaseStream.Position) / 16)
            throw new FormatException($"a ledger of {count} intervals does not fit in the message");
        var intervals = new LoggingInterval[count];
        for (var i = 0; i < count; i++)
            intervals[i] = new LoggingInterval(DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64()), DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64()));
        return new HistoryLedgerReply(requestId, intervals, logging, answeredAt);
    }

    private static Guid ReadGuid(BinaryReader r) => new(r.ReadBytes(16) is { Length: 16 } bytes ? bytes : throw new EndOfStreamException("a stream id needs 16 bytes"));

    private static ImmutableArray<byte> ReadPayload(BinaryReader r)
    {
        var length = r.ReadInt32();
        if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
            throw new FormatException($"a state batch of {length} bytes does not fit in the message");
        return ImmutableCollectionsMarshal.AsImmutableArray(r.ReadBytes(length));
    }

    private static void WriteOptional(BinaryWriter w, long? value)
    {
        w.Write(value.HasValue);
        if (value is { } v) w.Write(v);
    }

    private static long? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadInt64() : null;

    // Fixed wire codes: the C# enums may be reordered or extended without changing what travels.
    private static byte RoleCode(NodeRole role) => role switch
    {
        NodeRole.Independent => 0,
        NodeRole.Master => 1,
        NodeRole.Backup => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "no wire code for this role"),
    };

    private static NodeRole RoleOf(byte code) => code switch
    {
        0 => NodeRole.Independent,
        1 => NodeRole.Master,
        2 => NodeRole.Backup,
        _ => throw new SerializationException($"unknown node role code {code}"),
    };

    private static byte LevelCode(ActivityLevel level) => level switch
    {
        ActivityLevel.Undecided => 0,
        ActivityLevel.Cold => 1,
        ActivityLevel.Warm => 2,
        ActivityLevel.Active => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "no wire code for this activity level"),
    };

    private static ActivityLevel LevelOf(byte code) => code switch
    {
        0 => ActivityLevel.Undecided,
        1 => ActivityLevel.Cold,
        2 => ActivityLevel.Warm,
        3 => ActivityLevel.Active,
        _ => throw new SerializationException($"unknown activity level code {code}"),
    };
}
