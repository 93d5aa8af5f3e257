using System.Runtime.Serialization;
using Akka.Event;
using Akka.Serialization;
using RedundantGateway.Configuration;
using RedundantGateway.ConfigSync;
using RedundantGateway.History;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;
using RedundantGateway.StateSync;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.Redundancy;

/// <summary>
/// Every message that crosses nodes between liveness, coordinators and the designator goes through
/// <see cref="PairProtocolSerializer"/> when the actor system has the product's reference.conf, and comes back equal.
/// </summary>
public sealed class PairProtocolSerializerSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Address = "akka.tcp://redundant-gateway@10.0.0.1:8750";

    private readonly ITestOutputHelper _output;

    public PairProtocolSerializerSpec(ITestOutputHelper output) : base(GatewayConfig.Reference, output: output)
    {
        _output = output;
    }

    /// <summary>One of each message type, several where the shape differs (nulls, extremes, every enum value).</summary>
    public static TheoryData<string, IPairProtocolMessage> Messages()
    {
        var data = new TheoryData<string, IPairProtocolMessage>
        {
            { "heartbeat", new Heartbeat(42, 1_741_961_366_535, Address, -5_123_456_789) },
            { "heartbeat (extremes)", new Heartbeat(long.MaxValue, long.MinValue, "", 0) },
            { "heartbeat-ack", new HeartbeatAck(42, 123, Address, 77, "node-m", true, false,
                new PeerActivity(NodeRole.Master, ActivityLevel.Active, 9, 1_741_961_366_535)) },
            { "heartbeat-ack (not up, undecided)", new HeartbeatAck(1, 0, Address, -1, "n\u00e9ud \u4e2d", false, true,
                new PeerActivity(NodeRole.Backup, ActivityLevel.Undecided, 0, null)) },
            { "coordinator-report", new CoordinatorReport(Address, 77, "node-b", NodeRole.Backup, ActivityLevel.Warm, 4, null) },
            { "coordinator-report (active, leaving)", new CoordinatorReport(Address, 77, "node-m", NodeRole.Master, ActivityLevel.Active, 5, 1_000, Leaving: true) },
            { "coordinator-report (independent, cold)", new CoordinatorReport(Address, 0, "solo", NodeRole.Independent, ActivityLevel.Cold, 0, null) },
            { "designated", new ActiveNodeDesignated(7, Address, "node-m", "pair formed: the master starts active") },
            { "failover-requested", new FailoverRequested("REST from 10.0.0.9") },
            { "failover-result (accepted)", new FailoverResult(true, "failover requested: node-b becomes active (epoch 8)") },
            { "failover-result (refused)", new FailoverResult(false, "") },
            { "take-over-requested", new TakeOverRequested(9, "node-m", "the active node is stopping") },
            { "took-over", new TookOver(10) },
            { "take-over-declined", new TakeOverDeclined("it is stopping too") },
            { "state-batch", new StateBatch(Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"), 12, true, false, [1, 2, 3, 255]) },
            { "state-batch (empty payload)", new StateBatch(Guid.Empty, long.MaxValue, false, true, []) },
            { "state-batch-ack", new StateBatchAck(Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"), 7, true) },
            { "history-ledger-request", new HistoryLedgerRequest(42) },
            { "history-ledger-reply", new HistoryLedgerReply(42, [new LoggingInterval(DateTimeOffset.FromUnixTimeMilliseconds(1_000), DateTimeOffset.FromUnixTimeMilliseconds(9_000))],
                false, DateTimeOffset.FromUnixTimeMilliseconds(10_000)) },
            { "state-batch-ack (needs state)", new StateBatchAck(Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"), 7, true, NeedsState: true) },
        };
        return data;
    }

    [Fact]
    public void A_ledger_reply_round_trips_with_its_intervals_and_a_count_it_cannot_hold_is_refused()
    {
        var t0 = new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
        var reply = new HistoryLedgerReply(7, [new LoggingInterval(t0, t0.AddMinutes(5)), new LoggingInterval(t0.AddMinutes(6), t0.AddMinutes(9))],
            Logging: true, t0.AddMinutes(9));
        var serializer = (PairProtocolSerializer)Sys.Serialization.FindSerializerFor(reply);
        var bytes = serializer.ToBinary(reply);

        var back = Assert.IsType<HistoryLedgerReply>(serializer.FromBinary(bytes, serializer.Manifest(reply)));
        Assert.Equal(reply.Intervals, back.Intervals);
        Assert.Equal(reply, back);

        // The interval count sits after id (8), flag (1) and time (8): a huge count is malformed, not an allocation.
        var forged = (byte[])bytes.Clone();
        BitConverter.GetBytes(int.MaxValue).CopyTo(forged, 17);
        Assert.Throws<SerializationException>(() => serializer.FromBinary(forged, serializer.Manifest(reply)));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Round_trips_through_the_serialization_extension(string name, IPairProtocolMessage message)
    {
        var serialization = Sys.Serialization;

        var serializer = serialization.FindSerializerFor(message);
        Assert.IsType<PairProtocolSerializer>(serializer);
        Assert.Equal(4472, serializer.Identifier);

        var bytes = serializer.ToBinary(message);
        var manifest = Serialization.ManifestFor(serializer, message);
        var back = serialization.Deserialize(bytes, serializer.Identifier, manifest);

        // All fields are scalars, strings and a nested record: record equality compares them all.
        Assert.Equal(message, back);
        _output.WriteLine($"{name}: manifest '{manifest}', {bytes.Length} bytes");
    }

    [Fact]
    public void Every_pair_protocol_message_type_has_its_own_manifest_and_is_covered_here()
    {
        var types = typeof(IPairProtocolMessage).Assembly.GetTypes()
            .Where(t => typeof(IPairProtocolMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .ToHashSet();
        var samples = Messages().Select(row => (IPairProtocolMessage)row[1]).ToList();

        Assert.Empty(types.Except(samples.Select(m => m.GetType())).Select(t => t.Name));
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(Heartbeat));
        var manifests = types.Select(t => serializer.Manifest(samples.First(m => m.GetType() == t))).ToList();
        Assert.Equal(manifests.Count, manifests.Distinct().Count());
    }

    [Fact]
    public void Manifests_on_the_wire_never_change()
    {
        // A node of the previous version reads these: renaming one breaks a pair during a rolling upgrade.
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(Heartbeat));
        var expected = new Dictionary<string, string>
        {
            ["heartbeat"] = "heartbeat", ["heartbeat-ack"] = "heartbeat-ack", ["coordinator-report"] = "coordinator-report",
            ["designated"] = "designated", ["failover-requested"] = "failover-requested", ["failover-result (accepted)"] = "failover-result",
            ["take-over-requested"] = "take-over-requested", ["took-over"] = "took-over",
            ["history-ledger-request"] = "history-ledger-request", ["history-ledger-reply"] = "history-ledger-reply",
        };
        foreach (var row in Messages().Where(row => expected.ContainsKey((string)row[0])))
            Assert.Equal(expected[(string)row[0]], serializer.Manifest(row[1]));
    }

    [Fact]
    public void A_heartbeat_and_its_answer_are_small()
    {
        // One of each every 200 ms in both directions: a few dozen bytes plus the addresses, no field names.
        var heartbeat = new Heartbeat(1_000_000, 1_741_961_366_535, Address, 1234567890);
        var ack = new HeartbeatAck(1_000_000, 1_741_961_366_535, Address, 1234567890, "node-m", true, true,
            new PeerActivity(NodeRole.Master, ActivityLevel.Active, 9, 1_741_961_366_535));
        var serializer = Sys.Serialization.FindSerializerFor(heartbeat);

        Assert.InRange(serializer.ToBinary(heartbeat).Length, 1, 25 + Address.Length + 1);
        Assert.InRange(serializer.ToBinary(ack).Length, 1, 60 + Address.Length + "node-m".Length);
    }

    [Fact]
    public void Heartbeats_and_their_answers_are_not_logged_as_dead_letters()
    {
        Assert.IsAssignableFrom<IDeadLetterSuppression>(Messages().Select(row => row[1]).OfType<Heartbeat>().First());
        Assert.IsAssignableFrom<IDeadLetterSuppression>(Messages().Select(row => row[1]).OfType<HeartbeatAck>().First());
        Assert.IsNotAssignableFrom<IDeadLetterSuppression>(new CoordinatorReport(Address, 1, "n", NodeRole.Master, ActivityLevel.Cold, 0, null));
    }

    [Fact]
    public void A_state_acknowledgement_that_needs_nothing_keeps_the_layout_of_the_release_before()
    {
        // Stream (16), held (8), probe (1): a node of the release before refuses anything longer.
        var serializer = Sys.Serialization.FindSerializerFor(new TookOver(1));
        var plain = serializer.ToBinary(new StateBatchAck(Guid.NewGuid(), 3, true));
        var asking = serializer.ToBinary(new StateBatchAck(Guid.NewGuid(), 3, true, NeedsState: true));

        Assert.Equal(25, plain.Length);
        Assert.Equal(26, asking.Length);
    }

    [Fact]
    public void Enums_travel_as_fixed_codes()
    {
        // Byte codes, not names or enum positions: a reordered C# enum must not change what a peer reads.
        var serializer = Sys.Serialization.FindSerializerFor(new TookOver(1));
        var cold = serializer.ToBinary(new CoordinatorReport("", 0, "", NodeRole.Master, ActivityLevel.Cold, 0, null));
        var active = serializer.ToBinary(new CoordinatorReport("", 0, "", NodeRole.Backup, ActivityLevel.Active, 0, null));

        // address "" (1 byte), uid (8), name "" (1), then role and level.
        Assert.Equal(new byte[] { 1, 1 }, cold[10..12]);
        Assert.Equal(new byte[] { 2, 3 }, active[10..12]);
    }

    [Theory]
    [InlineData("heartbeat", new byte[] { })]
    [InlineData("heartbeat", new byte[] { 1, 2, 3 })]
    [InlineData("took-over", new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 9 })]   // a byte too many
    [InlineData("coordinator-report", new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]   // role 7
    [InlineData("failover-requested", new byte[] { 10, 1 })]   // string longer than the message
    [InlineData("state-batch", new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0 })]   // payload longer than the message
    public void A_malformed_message_is_a_serialization_error(string manifest, byte[] bytes)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(Heartbeat));

        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, manifest));
    }

    [Fact]
    public void An_unknown_manifest_is_a_serialization_error_and_a_foreign_type_is_refused()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(Heartbeat));

        var unknown = Assert.Throws<SerializationException>(() => serializer.FromBinary([0], "no-such-message"));
        Assert.Contains("no-such-message", unknown.Message);
        Assert.Throws<ArgumentException>(() => serializer.Manifest("a string"));
        Assert.Throws<ArgumentException>(() => serializer.ToBinary(new PeerActivity(NodeRole.Master, ActivityLevel.Cold, 0, null)));
    }

    [Fact]
    public void Local_messages_are_not_bound_to_the_pair_serializer_and_config_messages_keep_theirs()
    {
        // Only what crosses nodes is bound; the local event stream and status asks never leave the node.
        Assert.IsNotType<PairProtocolSerializer>(Sys.Serialization.FindSerializerFor(new PeerDown(Address, TimeSpan.Zero)));
        Assert.IsNotType<PairProtocolSerializer>(Sys.Serialization.FindSerializerFor(new AppendRedundancyEvent("k", "r")));
        Assert.IsType<ConfigSyncSerializer>(Sys.Serialization.FindSerializerFor(new RequestFullTransfer("r")));
    }
}
