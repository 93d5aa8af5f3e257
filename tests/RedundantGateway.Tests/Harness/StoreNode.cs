using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Microsoft.Data.Sqlite;
using RedundantGateway.Configuration;
using RedundantGateway.ConfigSync;
using Xunit;

namespace RedundantGateway.Tests;

/// <summary>
/// One incarnation of a node's config store: its own actor system (configured as the node configures it:
/// <see cref="ConfigStorePersistence"/> over reference.conf), the store, a listener probe standing for the
/// replicator, and a client probe that asks the store. Stop it and start another on the same settings to
/// test recovery.
/// </summary>
internal sealed class StoreNode : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private StoreNode(ActorSystem system, TestProbe listener, TestProbe client, IActorRef store, ConfigCommitted recovered)
    {
        System = system;
        Listener = listener;
        Client = client;
        Store = store;
        Recovered = recovered;
    }

    public ActorSystem System { get; }

    /// <summary>The store's listener (the replicator in the product): told of every persisted change.</summary>
    public TestProbe Listener { get; }

    public TestProbe Client { get; }

    public IActorRef Store { get; }

    /// <summary>What the store told its listener once it had recovered (for a new master, once the identity was created).</summary>
    public ConfigCommitted Recovered { get; }

    public static GatewaySettings MasterSettings(string dataDir, string extra = "") => TestSupport.Settings($$"""
        node-name = "node-m"
        role = master
        data-dir = "{{dataDir.Replace("\\", "\\\\")}}"
        {{extra}}
        """);

    public static GatewaySettings BackupSettings(string dataDir, string extra = "") => TestSupport.Settings($$"""
        node-name = "node-b"
        role = backup
        data-dir = "{{dataDir.Replace("\\", "\\\\")}}"
        redundancy.master-address = "127.0.0.1:1"
        {{extra}}
        """);

    /// <summary>Starts a store and waits until it has recovered (and told its listener).</summary>
    public static StoreNode Start(TestKitBase kit, GatewaySettings settings, string name = "store")
    {
        ConfigStorePersistence.Prepare(settings.ConfigStore, settings.DataDir);
        var config = ConfigStorePersistence.Hocon(settings.ConfigStore, settings.DataDir)
            .WithFallback(ConfigurationFactory.ParseString("""
                akka.loglevel = WARNING
                akka.stdout-loglevel = WARNING
                """))
            .WithFallback(GatewayConfig.Reference)
            .WithFallback(Akka.TestKit.Configs.TestConfigs.DefaultConfig);
        var system = ActorSystem.Create(name, config);
        try
        {
            var listener = kit.CreateTestProbe(system, "listener");
            var client = kit.CreateTestProbe(system, "client");
            var store = system.ActorOf(ConfigStore.Props(settings.ConfigStore, settings.ConfigSync, settings.Role != NodeRole.Backup, listener.Ref), ConfigStore.Name);
            var recovered = listener.ExpectMsg<ConfigCommitted>(Deadline);
            return new StoreNode(system, listener, client, store, recovered);
        }
        catch
        {
            system.Terminate().Wait(Deadline);
            throw;
        }
    }

    public EditResult Edit(string path, string? value)
    {
        Client.Send(Store, new EditConfig(path, value));
        return Client.ExpectMsg<EditResult>(Deadline);
    }

    /// <summary>An accepted edit: returns what the listener was told about it.</summary>
    public ConfigCommitted Accepted(string path, string? value, long expectedRevision)
    {
        var result = Edit(path, value);
        Assert.Equal(new EditResult(EditOutcome.Accepted, expectedRevision, value is null ? "deleted" : "stored"), result);
        var committed = Listener.ExpectMsg<ConfigCommitted>(Deadline);
        Assert.Equal(expectedRevision, committed.Document.Revision);
        return committed;
    }

    public ConfigDocumentView View()
    {
        Client.Send(Store, GetConfigDocument.Instance);
        return Client.ExpectMsg<ConfigDocumentView>(Deadline);
    }

    public ConfigDocument Document => View().Document;

    public ReplicatedUpdatesApplied Apply(string identity, params ConfigUpdate[] updates)
    {
        Client.Send(Store, new ApplyReplicatedUpdates(identity, updates));
        return Client.ExpectMsg<ReplicatedUpdatesApplied>(Deadline);
    }

    public ConfigReplacedAck Replace(ConfigDocument document, string reason = "spec")
    {
        Client.Send(Store, new ReplaceConfig(document, reason));
        return Client.ExpectMsg<ConfigReplacedAck>(Deadline);
    }

    public async ValueTask DisposeAsync()
    {
        await System.Terminate().WaitAsync(Deadline);
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Asserts two documents hold the same configuration (records compare their dictionaries by reference).</summary>
    public static void AssertSame(ConfigDocument expected, ConfigDocument actual)
    {
        Assert.Equal(expected.Identity, actual.Identity);
        Assert.Equal(expected.Revision, actual.Revision);
        Assert.Equal(expected.Resources, actual.Resources);
        Assert.Equal(expected.Content, actual.Content);
        Assert.Equal(expected.Digest, actual.Digest);
    }

    /// <summary>The updates the master's queue would hold after <paramref name="document"/>'s edits, with their digests.</summary>
    public static ConfigUpdate[] UpdatesAfter(ref ConfigDocument document, params (string Path, string? Value)[] edits)
    {
        var updates = new List<ConfigUpdate>();
        foreach (var (path, value) in edits)
        {
            document = document.Apply(document.Revision + 1, path, value);
            updates.Add(new ConfigUpdate(document.Revision, path, value, document.Digest, DateTimeOffset.UtcNow));
        }
        return updates.ToArray();
    }
}
