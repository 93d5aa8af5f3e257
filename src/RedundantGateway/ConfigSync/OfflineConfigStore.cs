using Akka.Actor;
using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// A stopped node's config store, opened by the node's export and import commands: a local actor system with
/// the node's persistence settings runs one <see cref="ConfigStore"/> that takes no edits (so an empty store
/// stays empty: no identity is created), reads it, and for an import replaces it like a full transfer does.
/// </summary>
public sealed class OfflineConfigStore : IAsyncDisposable
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(60);

    private readonly ActorSystem _system;
    private readonly IActorRef _store;

    private OfflineConfigStore(ActorSystem system, IActorRef store)
    {
        _system = system;
        _store = store;
    }

    /// <exception cref="ConfigStoreDamagedException">the store's file fails SQLite's integrity check.</exception>
    /// <exception cref="InvalidOperationException">the store cannot be opened (one line).</exception>
    public static OfflineConfigStore Open(GatewaySettings settings)
    {
        ConfigStorePersistence.Prepare(settings.ConfigStore, settings.DataDir);
        var config = ConfigurationFactory.ParseString("""
                akka.actor.provider = local
                akka.loglevel = WARNING
                akka.stdout-loglevel = WARNING
                """)
            .WithFallback(ConfigStorePersistence.Hocon(settings.ConfigStore, settings.DataDir))
            .WithFallback(GatewayConfig.Reference);
        var system = ActorSystem.Create("rg-offline", config);
        var store = system.ActorOf(ConfigStore.Props(settings.ConfigStore, settings.ConfigSync, acceptsEdits: false, ActorRefs.Nobody), ConfigStore.Name);
        return new OfflineConfigStore(system, store);
    }

    /// <summary>The store's configuration once it has recovered.</summary>
    public async Task<ConfigDocument> ReadAsync() =>
        (await _store.Ask<ConfigDocumentView>(GetConfigDocument.Instance, AskTimeout)).Document;

    /// <summary>Replaces the whole configuration (persisted as a full transfer's replacement is).</summary>
    public Task<ConfigReplacedAck> ReplaceAsync(ConfigDocument document, string reason) =>
        _store.Ask<ConfigReplacedAck>(new ReplaceConfig(document, reason), AskTimeout);

    public async ValueTask DisposeAsync()
    {
        // The snapshot the replacement asks for is written before the system stops (a graceful stop lets it finish).
        try { await _store.GracefulStop(TimeSpan.FromSeconds(10)); }
        catch (TaskCanceledException) { }
        await _system.Terminate();
    }
}
