using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using RedundantGateway.ConfigSync;
using RedundantGateway.Configuration;
using RedundantGateway.History;
using RedundantGateway.Redundancy;
using RedundantGateway.Runtime;
using RedundantGateway.Tags;

namespace RedundantGateway.Hosting;

/// <summary>What the host gives the pair's actors besides the settings.</summary>
public sealed class RedundantGatewayOptions
{
    /// <summary>The subsystems the coordinator drives; null: every <see cref="IRuntimeSubsystem"/> registered in the host's services.</summary>
    public IReadOnlyList<IRuntimeSubsystem>? Subsystems { get; set; }

    /// <summary>
    /// How the actors ask for a rebuild of the actor system; null: the <see cref="IActorSystemHost"/> registered in the
    /// host's services, else <see cref="NoRebuildHost"/> (a host that cannot rebuild).
    /// </summary>
    public IActorSystemHost? ActorSystemHost { get; set; }

    /// <summary>The tag providers besides the simulator; null: every <see cref="ITagProvider"/> registered in the host's services.</summary>
    public IReadOnlyList<ITagProvider>? TagProviders { get; set; }

    /// <summary>
    /// Makes the history database's store (called once for writes, once for queries); null: a <see cref="HistoryStoreFactory"/>
    /// registered in the host's services, else the store the settings name (<see cref="HistoryStores.FromSettings"/>).
    /// </summary>
    public HistoryStoreFactory? HistoryStore { get; set; }

    /// <summary>What a previous incarnation of this node left (epoch, events log, transfer summary); empty on a first start.</summary>
    public NodeMemory Memory { get; set; } = NodeMemory.Empty;
}

public static class RedundantGatewayHostingExtensions
{
    /// <summary>
    /// Makes the host's actor system one node of the pair: remoting and clustering from <paramref name="settings"/>,
    /// the config store's persistence, the pair's Akka settings (<paramref name="gatewayConfig"/>: reference.conf
    /// and the operator's files, as <see cref="GatewayConfig"/> loaded them, winning over the hosting defaults),
    /// then the designator singleton, its proxy and the node guardian. The actors are registered in the
    /// <see cref="ActorRegistry"/> under the keys of <see cref="RedundancyActorKeys"/> as they are created.
    /// The actor system must be named <see cref="RedundancyPaths.SystemName"/> (both nodes share it).
    /// </summary>
    /// <exception cref="InvalidOperationException">the config store cannot be opened (one line).</exception>
    public static AkkaConfigurationBuilder WithRedundantGateway(this AkkaConfigurationBuilder builder, GatewaySettings settings,
        Config gatewayConfig, Action<RedundantGatewayOptions>? configure = null)
    {
        var options = new RedundantGatewayOptions();
        configure?.Invoke(options);
        ConfigStorePersistence.Prepare(settings.ConfigStore, settings.DataDir);

        return builder
            .WithRemoting(new RemoteOptions
            {
                HostName = settings.Cluster.Hostname,
                Port = settings.Cluster.Port,
                PublicHostName = settings.Cluster.PublicHostname,
                PublicPort = settings.Cluster.PublicPort,
            })
            .WithClustering(new ClusterOptions { Roles = [settings.Role.ToString().ToLowerInvariant()] })
            .AddHocon(ConfigStorePersistence.Hocon(settings.ConfigStore, settings.DataDir), HoconAddMode.Prepend)
            // Last and prepended: the pair's own Akka settings win over the hosting defaults.
            .AddHocon(gatewayConfig, HoconAddMode.Prepend)
            .WithActors((system, registry, resolver) =>
            {
                var subsystems = options.Subsystems
                    ?? resolver.GetService<IEnumerable<IRuntimeSubsystem>>()?.ToList()
                    ?? [];
                var tagProviders = options.TagProviders
                    ?? resolver.GetService<IEnumerable<ITagProvider>>()?.ToList()
                    ?? [];
                var host = options.ActorSystemHost ?? resolver.GetService<IActorSystemHost>() ?? NoRebuildHost.Instance;
                var historyStore = options.HistoryStore ?? resolver.GetService<HistoryStoreFactory>();
                RedundancyActors.Start(system, settings, subsystems, host, options.Memory,
                    // overwrite: a guardian restarted by its own supervisor registers its new children.
                    (actor, actorRef) => registry.TryRegister(RedundancyActorKeys.KeyOf(actor), actorRef, overwrite: true),
                    tagProviders, historyStore);
            });
    }
}
