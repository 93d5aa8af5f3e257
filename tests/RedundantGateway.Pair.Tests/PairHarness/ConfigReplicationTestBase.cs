using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>Waiting for and comparing the configuration of nodes.</summary>
public abstract class ConfigReplicationTestBase(ITestOutputHelper output) : PairTest(output)
{
    /// <summary>For waits that include starting nodes, a pair forming and a first full transfer.</summary>
    protected static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);

    private readonly List<NodeProcess> _started = new();

    /// <summary>The nodes a timed-out wait describes: by default the last started of each name.</summary>
    protected virtual IEnumerable<NodeProcess> WatchedNodes
    {
        get { lock (_started) return _started.GroupBy(n => n.Spec!.Name).Select(g => g.Last()).ToList(); }
    }

    /// <summary>The restarted master is active again, and the backup pulls from it (since <paramref name="restartedAt"/>) and is in sync.</summary>
    protected async Task UntilBackupPullsFromRestartedMasterAsync(NodeProcess restarted, NodeProcess backup, DateTimeOffset restartedAt)
    {
        await UntilPairSettledAsync(restarted, backup, "master", "the restarted master active again and the backup cold");
        await WaitUntilAsync(async () =>
        {
            var m = await ConfigHttp.GetSyncAsync(restarted);
            var b = await ConfigHttp.GetSyncAsync(backup);
            return m is { State: "backup-in-sync", LastPullAt: { } pulled } && pulled > restartedAt
                   && b is { State: "in-sync" } && b.Revision == m.Revision && b.LastPullAt > restartedAt;
        }, "the backup pulling from the restarted master, in sync");
    }

    /// <summary>Starts a node and watches it.</summary>
    protected NodeProcess Start(NodeSpec spec)
    {
        var node = StartNode(spec);
        lock (_started) _started.Add(node);
        return node;
    }

    protected Task<TimeSpan> WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        Poll.UntilAsync(condition, timeout ?? Deadline, what, DescribeConfigAsync);

    /// <summary>Each watched node's status, config status and the tail of its output.</summary>
    private async Task<string> DescribeConfigAsync()
    {
        var text = new StringBuilder();
        foreach (var node in WatchedNodes)
        {
            var state = node.HasExited ? $"exited with {node.ExitCode}" : "running";
            var status = node.HasExited ? null : await node.Api!.GetStatusAsync();
            var sync = node.HasExited ? null : await ConfigHttp.GetSyncAsync(node);
            text.AppendLine($"--- {node.Label} (pid {node.Pid}, {state}): {status?.ToString() ?? "no status"}");
            text.AppendLine($"    config: {sync?.ToString() ?? "-"}");
            foreach (var line in node.Tail(25)) text.AppendLine($"    {line}");
        }
        return text.ToString();
    }

    /// <summary>
    /// Waits until the backup has the master's configuration (identity, revision, digest, resources) and
    /// modules, and reports config.state "in-sync"; returns what both served then.
    /// </summary>
    protected async Task<(NodeConfig Master, NodeConfig Backup)> UntilInSyncAsync(NodeProcess master, NodeProcess backup, string what, TimeSpan? timeout = null)
    {
        (NodeConfig, NodeConfig)? seen = null;
        await WaitUntilAsync(async () =>
        {
            var mc = await ConfigHttp.GetConfigAsync(master);
            var ms = await ConfigHttp.GetSyncAsync(master);
            var bc = await ConfigHttp.GetConfigAsync(backup);
            var bs = await ConfigHttp.GetSyncAsync(backup);
            if (mc is null || ms is null || bc is null || bs is null) return false;
            if (!mc.SameAs(bc) || bs.State != "in-sync" || bs.ModulesDigest != ms.ModulesDigest
                || ms.Revision != mc.Revision || bs.Revision != bc.Revision) return false;
            seen = (new NodeConfig(mc, ms), new NodeConfig(bc, bs));
            return true;
        }, what, timeout);
        Log($"{what}: {seen!.Value.Item1.Config.Summary}; backup state {seen.Value.Item2.Sync.State}");
        return seen.Value;
    }

    /// <summary>
    /// Once a full transfer has ended (its event is recorded), the backup reports "in-sync" at once, not
    /// "never-synced" / "behind" until the master answers its next pull up to long-poll-timeout later (fixed in fe1cf5c).
    /// </summary>
    protected static async Task AssertInSyncRightAfterTheTransferAsync(NodeProcess backup, long masterRevision)
    {
        var sync = await GetSyncOrFailAsync(backup);
        Assert.True(sync.State == "in-sync" && sync.Revision == masterRevision && sync.PeerRevision == masterRevision,
            $"{backup.Label} right after its full transfer: {sync}; expected in-sync at revision {masterRevision}");
    }

    /// <summary>A node's config status before anything happened: no transfer, no rebuild of the actor system.</summary>
    protected static readonly ConfigSyncInfo FreshNode = new(new ConfigReplicationStatus(null, 0, "", "", null, null, null, 0, 0, 0, null, 0, "", 0, null), 0);

    /// <summary>
    /// config.transfers grew by <paramref name="added"/>. A rebuild of the node's actor system (e.g. when a pair
    /// first forms two clusters) carries the count over when the old system still answers (NodeMemory), and starts
    /// it again at 0 when it does not (a loaded machine), so across a rebuild it can only be checked to be at most
    /// <paramref name="before"/>'s count plus <paramref name="added"/>.
    /// </summary>
    protected void AssertTransfers(ConfigSyncInfo before, ConfigSyncInfo after, int added, string what)
    {
        if (after.NodeRebuilds == before.NodeRebuilds)
        {
            Assert.True(after.Transfers == before.Transfers + added, $"{what}: config.transfers {after.Transfers}, expected {before.Transfers} + {added}");
            return;
        }
        Log($"{what}: the actor system was rebuilt ({before.NodeRebuilds} -> {after.NodeRebuilds}) meanwhile: config.transfers {before.Transfers} -> {after.Transfers}");
        Assert.True(after.Transfers <= before.Transfers + added,
            $"{what}: config.transfers {after.Transfers} after a rebuild of the actor system, expected at most {before.Transfers} + {added}");
    }

    /// <summary>
    /// config.lastTransfer is the full transfer to <paramref name="revision"/> whose reason has <paramref name="reasonPart"/>.
    /// Like config.transfers it is forgotten by a rebuild of the actor system (the event stays): then it may be null.
    /// </summary>
    protected void AssertLastFullTransfer(ConfigSyncInfo sync, string reasonPart, long revision)
    {
        if (sync.LastTransfer is null && sync.NodeRebuilds > 0)
        {
            Log($"config.lastTransfer is null after {sync.NodeRebuilds} rebuild(s) of the actor system: not checked");
            return;
        }
        Assert.True(sync.LastTransfer is { Kind: "full" } last && last.Revision == revision && (last.Reason ?? "").Contains(reasonPart),
            $"config.lastTransfer {sync.LastTransfer}: expected a full transfer to revision {revision} with '{reasonPart}' in its reason");
    }

    protected static void AssertSameConfig(ConfigView expected, ConfigView actual, string what)
    {
        Assert.True(expected.Identity == actual.Identity, $"{what}: identity {actual.Identity}, expected {expected.Identity}");
        Assert.True(expected.Revision == actual.Revision, $"{what}: revision {actual.Revision}, expected {expected.Revision}");
        Assert.True(expected.Digest == actual.Digest, $"{what}: digest {actual.Digest}, expected {expected.Digest}");
        Assert.Equal(expected.Resources.OrderBy(r => r.Key, StringComparer.Ordinal), actual.Resources.OrderBy(r => r.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Count, actual.Count);
    }

    /// <summary>PUT a value on a node that must take it; returns the revision it answered.</summary>
    protected static async Task<long> PutAsync(NodeProcess node, string path, string json)
    {
        var answer = await ConfigHttp.PutAsync(node, path, json);
        Assert.True(answer.Status == 200 && answer.Revision is not null, $"PUT {path} on {node.Label} answered {answer}");
        return answer.Revision!.Value;
    }

    protected static async Task<long> DeleteAsync(NodeProcess node, string path)
    {
        var answer = await ConfigHttp.DeleteAsync(node, path);
        Assert.True(answer.Status == 200 && answer.Revision is not null, $"DELETE {path} on {node.Label} answered {answer}");
        return answer.Revision!.Value;
    }

    protected static async Task<ConfigView> GetConfigOrFailAsync(NodeProcess node) =>
        await ConfigHttp.GetConfigAsync(node) ?? throw new Xunit.Sdk.XunitException($"{node.Label} did not answer GET /api/config");

    protected static async Task<ConfigSyncInfo> GetSyncOrFailAsync(NodeProcess node) =>
        await ConfigHttp.GetSyncAsync(node) ?? throw new Xunit.Sdk.XunitException($"{node.Label} did not answer GET /api/redundancy with a config object");

    protected static async Task<IReadOnlyList<ConfigChangeInfo>> GetChangesOrFailAsync(NodeProcess node, long after) =>
        await ConfigHttp.GetChangesAsync(node, after) ?? throw new Xunit.Sdk.XunitException($"{node.Label} did not answer GET /api/redundancy/config-changes");

    /// <summary>Waits until the node has at least <paramref name="count"/> events of <paramref name="kind"/>; returns them, oldest first.</summary>
    protected async Task<IReadOnlyList<RedundancyEventInfo>> UntilEventsAsync(NodeProcess node, string kind, int count, TimeSpan? timeout = null)
    {
        IReadOnlyList<RedundancyEventInfo> seen = [];
        await WaitUntilAsync(async () => (seen = await EventsOfKindAsync(node, kind)).Count >= count, $"{count} {kind} event(s) on {node.Label}", timeout);
        return seen;
    }

    /// <summary>The node's events of <paramref name="kind"/>, oldest first (none when it does not answer).</summary>
    protected static async Task<IReadOnlyList<RedundancyEventInfo>> EventsOfKindAsync(NodeProcess node, string kind) =>
        (await node.Api!.GetEventsAsync(10_000) ?? []).Where(e => e.Kind == kind).Reverse().ToList();

    protected static string HashFile(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (IOException) { return ""; }
    }
}
