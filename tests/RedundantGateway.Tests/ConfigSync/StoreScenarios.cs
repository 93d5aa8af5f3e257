using Akka.TestKit;
using RedundantGateway.Configuration;
using RedundantGateway.ConfigSync;
using Xunit;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>Store scenarios run against each journal provider (SQLite, PostgreSQL).</summary>
internal static class StoreScenarios
{
    /// <summary>
    /// <paramref name="edits"/> edits (puts, overwrites and deletes) on a master, then a restart: the recovered
    /// document equals the one before, the identity is kept, and the listener gets the replayed updates (those
    /// after the last snapshot) so the master's queue is refilled. Returns the revisions replayed.
    /// </summary>
    /// <param name="beforeStop">runs after the edits, before the first incarnation stops.</param>
    public static async Task<long[]> EditRestartRecover(TestKitBase kit, GatewaySettings settings, int edits, Action? beforeStop = null)
    {
        ConfigDocument before;
        string identity;
        var live = new Dictionary<long, ConfigUpdate>();
        await using (var first = StoreNode.Start(kit, settings, "store-first"))
        {
            identity = first.Recovered.Document.Identity!;
            Assert.Matches("^[0-9a-f]{32}$", identity);
            for (var revision = 1; revision <= edits; revision++)
            {
                var (path, value) = EditNumber(revision);
                var committed = first.Accepted(path, value, revision);
                live[revision] = Assert.Single(committed.Updates);
            }
            before = first.Document;
            Assert.Equal(edits, before.Revision);
            beforeStop?.Invoke();
        }

        await using var second = StoreNode.Start(kit, settings, "store-second");
        var view = second.View();
        Assert.True(view.Recovered);
        StoreNode.AssertSame(before, view.Document);
        StoreNode.AssertSame(before, second.Recovered.Document);
        Assert.Equal(identity, view.Document.Identity);

        // The replayed updates are the live ones (same digests after each).
        var replayed = second.Recovered.Updates;
        foreach (var update in replayed)
        {
            var original = live[update.Revision];
            Assert.Equal(original.Path, update.Path);
            Assert.Equal(original.Value, update.Value);
            Assert.Equal(original.DigestAfter, update.DigestAfter);
        }
        Assert.Equal(replayed.Select(u => u.Revision).Order(), replayed.Select(u => u.Revision));
        if (replayed.Count > 0) Assert.Equal(edits, replayed[^1].Revision);

        // Editing goes on from the recovered revision.
        var next = second.Accepted("after/restart", "true", edits + 1);
        Assert.Equal(before.Apply(edits + 1, "after/restart", "true").Digest, next.Document.Digest);
        return replayed.Select(u => u.Revision).ToArray();
    }

    /// <summary>A deterministic mix: new resources, overwrites, and every seventh edit a delete of an existing one.</summary>
    public static (string Path, string? Value) EditNumber(int n) =>
        n % 7 == 0
            ? ($"tags/t{(n - 1) % 5}", null)
            : ($"tags/t{n % 5}", $"{{\"n\":{n},\"text\":\"value \u00e9 {n}\"}}");
}
