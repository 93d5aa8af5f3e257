using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using RedundantGateway.Client;
using Xunit;

namespace RedundantGateway.Tests.Client;

/// <summary>
/// Pins the JSON of every REST answer: each record, serialized with <see cref="ContractJson.Options"/> (what the node
/// writes with), must give the same text as the anonymous objects (or hand-written JSON) the node sent before the
/// contract had records, with ASP.NET Core's default web options. Same text means same names, order and nulls.
/// </summary>
public sealed class ContractJsonSpec
{
    /// <summary>ASP.NET Core's Results.Json default: the options the node's anonymous objects went out with.</summary>
    private static readonly JsonSerializerOptions Before = new(JsonSerializerDefaults.Web);

    private static readonly DateTimeOffset At = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

    internal static NodeStatus SampleStatus(bool withConfig = true, bool withTransfer = true) => new(
        "gw-a", "master", "active", true, 7, "gw-a", At, withConfig ? 42 : null, "automatic", "full", "cold", 1500, "0.1.0", 1,
        new PeerStatus("gw-b", "akka.tcp://gw@127.0.0.1:4054", "reachable", 0.25, 1.5, null, "backup", "cold", 7),
        [new SubsystemStatus("tags", "active", 3, 1, 42), new SubsystemStatus("alarms", "active", 2)],
        withConfig
            ? new ConfigReplicationStatus("id-1", 42, "abc", "backup-in-sync", 42, At, 12.3, 2, 5, 1024, 38, 3, "mdg", 1,
                withTransfer ? new ConfigTransfer("full", "first contact", 2048, 88.8, At, 40) : null,
                withTransfer ? new ConfigStoreInfo("failing", "disk full at /d/config.db", At) : new ConfigStoreInfo("ok", null, null),
                withTransfer ? new ConfigAcknowledgeInfo("backup", "master", true, 3) : null)
            : null,
        null,
        withTransfer ? new StateSyncInfo(12, 10, 4, 2, 900, 11, 1, 240, new StateFullTransferInfo("first contact", 240, 39_000, 1, 3.5, At)) : null,
        HasConfigAccess: true, SyncPending: withTransfer, FailoverPending: false, StartedAt: At, UptimeMs: 60_000, LevelUptimeMs: 1_500,
        LastSyncAt: withConfig ? At : null,
        History: withConfig ? new HistoryCacheInfo("unavailable", "fake", 240, 1200, 65_536, 4000.5, 0, 1, 5000, 3700, 100, 1, At, null) : null);

    /// <summary>GET /api/redundancy as NodeWeb built it before (sample values; the shape is what matters).</summary>
    private static object StatusBefore(NodeStatus s) => new
    {
        nodeName = s.NodeName,
        role = s.Role,
        activityLevel = s.ActivityLevel,
        peerConnected = s.PeerConnected,
        epoch = s.Epoch,
        activeNode = s.ActiveNode,
        levelSince = s.LevelSince,
        configRevision = s.ConfigRevision,
        recoveryMode = s.RecoveryMode,
        historyLevel = s.HistoryLevel,
        standbyActivityLevel = s.StandbyActivityLevel,
        failoverTimeoutMs = s.FailoverTimeoutMs,
        version = s.Version,
        softRestarts = s.Rebuilds,
        peer = new
        {
            nodeName = s.Peer!.NodeName,
            address = s.Peer.Address,
            state = s.Peer.State,
            phi = s.Peer.Phi!.Value,
            roundTripMs = s.Peer.RoundTripMs,
            lastHeardMsAgo = s.Peer.LastHeardMsAgo,
            // Added by issue 13: what the peer's last heartbeat answer said of it.
            role = s.Peer.Role,
            activityLevel = s.Peer.ActivityLevel,
            epoch = s.Peer.Epoch,
        },
        // The library's SubsystemState, serialized as it was.
        subsystems = s.Subsystems!.Select(x => new RedundantGateway.Redundancy.SubsystemState(x.Name, x.Level, x.Transitions, x.Restarts, x.ConfigRevision)).ToList(),
        config = s.Config is not { } config ? null : new
        {
            identity = config.Identity,
            revision = config.Revision,
            digest = config.Digest,
            state = config.State,
            peerRevision = config.PeerRevision,
            lastPullAt = config.LastPullAt,
            lastPullMs = config.LastPullMs,
            lastPullUpdates = config.LastPullUpdates,
            queueLength = config.QueueLength,
            queueBytes = config.QueueBytes,
            queueOldestRevision = config.QueueOldestRevision,
            modules = config.Modules,
            modulesDigest = config.ModulesDigest,
            transfers = config.Transfers,
            lastTransfer = config.LastTransfer is { } t ? new
            {
                kind = t.Kind,
                reason = t.Reason,
                bytes = t.Bytes,
                durationMs = t.DurationMs,
                at = t.At,
                revision = t.Revision,
            } : null,
            // Added by issue 10 (a new field never changes the ones before it).
            store = config.Store is { } st ? (object)new { state = st.State, problem = st.Problem, since = st.Since } : null,
            acknowledge = config.Acknowledge is { } a ? (object)new { setting = a.Setting, effective = a.Effective, degraded = a.Degraded, held = a.Held } : null,
        },
        // Added by issue 10 (both nodes configured with the same role); null when there is no conflict.
        roleConflict = s.RoleConflict,
        // Added by issue 11: the alarm state's shipping to the peer.
        stateSync = s.StateSync is not { } sync ? null : new
        {
            sequenceSent = sync.SequenceSent,
            sequenceAcked = sync.SequenceAcked,
            lagMs = sync.LagMs,
            retainedDeltas = sync.RetainedDeltas,
            retainedBytes = sync.RetainedBytes,
            deltaBatches = sync.DeltaBatches,
            fullTransfers = sync.FullTransfers,
            alarms = sync.Alarms,
            lastFullTransfer = sync.LastFullTransfer is { } f ? new
            {
                reason = f.Reason, entries = f.Entries, bytes = f.Bytes, batches = f.Batches, durationMs = f.DurationMs, at = f.At,
            } : null,
        },
        // Added by issue 13: what operators of the reference read first; history is a slot its subsystem fills.
        hasConfigAccess = s.HasConfigAccess,
        syncPending = s.SyncPending,
        failoverPending = s.FailoverPending,
        startedAt = s.StartedAt,
        uptimeMs = s.UptimeMs,
        levelUptimeMs = s.LevelUptimeMs,
        lastSyncAt = s.LastSyncAt,
        // Added by issue 12: the history store-and-forward cache.
        history = s.History is not { } h ? null : new
        {
            state = h.State,
            store = h.Store,
            tags = h.Tags,
            rows = h.Rows,
            bytes = h.Bytes,
            oldestAgeMs = h.OldestAgeMs,
            forwardRatePerSecond = h.ForwardRatePerSecond,
            quarantined = h.Quarantined,
            sampled = h.Sampled,
            written = h.Written,
            duplicates = h.Duplicates,
            rejected = h.Rejected,
            outageSince = h.OutageSince,
            fencedBy = h.FencedBy,
        },
    };

    public static TheoryData<bool, bool> StatusVariants => new() { { true, true }, { true, false }, { false, false } };

    [Theory]
    [MemberData(nameof(StatusVariants))]
    public void Redundancy_status_is_written_as_before(bool withConfig, bool withTransfer)
    {
        var status = SampleStatus(withConfig, withTransfer);
        AssertSameJson(StatusBefore(status), status);
        Assert.DoesNotContain("isActive", Serialize(status));
    }

    [Fact]
    public void Events_are_written_as_before()
    {
        RedundancyEventInfo[] events =
        [
            new(At, "activity-changed", "peer down", 8, "active", 12.3, 45.6, 12),
            new(At, "config-saved", "another system", 8, "cold", null, null, 11),
        ];
        var before = events.Select(e => new
        {
            time = e.Time, kind = e.Kind, reason = e.Reason, epoch = e.Epoch, level = e.Level, detectionMs = e.DetectionMs, switchMs = e.SwitchMs,
            id = e.Id, // added by issue 13: the event's sequence, for paging
        });
        AssertSameJson(before, (IReadOnlyList<RedundancyEventInfo>)events);
    }

    [Fact]
    public void Config_changes_are_written_as_before()
    {
        ConfigChangeInfo[] changes = [new(5, "a/b", "put", At, At.AddMilliseconds(1.5), 1.5), new(6, "a/c", "delete", At, At, 0)];
        var before = changes.Select(c => new
        {
            revision = c.Revision, path = c.Path, operation = c.Operation, ackedAt = c.AckedAt, appliedAt = c.AppliedAt, lagMs = c.LagMs,
        });
        AssertSameJson(before, (IReadOnlyList<ConfigChangeInfo>)changes);
    }

    [Fact]
    public void Action_answers_edit_answers_and_errors_are_written_as_before()
    {
        AssertSameJson(new { accepted = true, message = "moving" }, new ActionAnswer(true, "moving"));
        AssertSameJson(new { accepted = false, message = "peer not connected" }, new ActionAnswer(false, "peer not connected"));
        AssertSameJson(new { path = "a/b", revision = 9L, message = "stored" }, new ConfigEditAnswer("a/b", 9, "stored"));
        AssertSameJson(new { message = "this node is the backup: ... at http://127.0.0.1:8088 (node link 127.0.0.1:4053)" },
            new ErrorBody("this node is the backup: ... at http://127.0.0.1:8088 (node link 127.0.0.1:4053)"));
    }

    /// <summary>GET /api/config was written by hand with a Utf8JsonWriter, values raw: the bytes must not change.</summary>
    [Theory]
    [InlineData("id-1")]
    [InlineData(null)]
    public void Config_document_and_resource_are_written_byte_for_byte_as_before(string? identity)
    {
        var resources = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
        {
            ["projects/p1/tags/t1"] = """{"max":10,"unit":"bar","label":"Druck <hoch> & \u00fcber"}""",
            ["z.last"] = "[1,2.5,null,true]",
            ["a_first"] = "\"text\"",
        });
        var before = Bytes(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("identity", identity);
            writer.WriteNumber("revision", 12);
            writer.WriteString("digest", "d1g");
            writer.WriteNumber("count", resources.Count);
            writer.WriteStartObject("resources");
            foreach (var (path, value) in resources)
            {
                writer.WritePropertyName(path);
                writer.WriteRawValue(value, skipInputValidation: true);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
        Assert.Equal(before, Serialize(new ConfigSnapshot(identity, 12, "d1g", resources.Count, resources)));

        var oneBefore = Bytes(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("path", "z.last");
            writer.WriteNumber("revision", 12);
            writer.WritePropertyName("value");
            writer.WriteRawValue(resources["z.last"], skipInputValidation: true);
            writer.WriteEndObject();
        });
        Assert.Equal(oneBefore, Serialize(new ConfigResource("z.last", 12, resources["z.last"])));
    }

    [Fact]
    public void Gwinfo_line_is_written_as_before()
    {
        var info = new GwInfo("Backup", "Cold", false, 4, "gw-b", "0.1.0");
        Assert.Equal("RedundancyStatus=Backup;RedundantNodeActiveStatus=Cold;PeerConnected=false;Epoch=4;NodeName=gw-b;Version=0.1.0", info.Format());
        Assert.Equal(info, GwInfo.Parse(info.Format()));
        Assert.Equal(info, GwInfo.Parse(info.Format() + ";Extra=1\n"));
        Assert.Throws<FormatException>(() => GwInfo.Parse("RedundancyStatus=Backup"));
    }

    internal static string Serialize<T>(T value) => JsonSerializer.Serialize(value, ContractJson.Options);

    private static void AssertSameJson<TBefore, TRecord>(TBefore before, TRecord record) =>
        Assert.Equal(JsonSerializer.Serialize(before, Before), Serialize(record));

    private static string Bytes(Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
