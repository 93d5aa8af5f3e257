using Akka.Actor;
using Akka.Hosting;

namespace RedundantGateway.Hosting;

// ActorRegistry keys of the actors WithRedundantGateway starts (as WithSingleton<TKey> uses its TKey).
// Marker types only: never instantiated.

/// <summary>/user/redundancy: the node guardian.</summary>
public sealed class RedundancyGuardianKey { private RedundancyGuardianKey() { } }

/// <summary>/user/designator-proxy: the proxy of the active-node designator singleton.</summary>
public sealed class ActiveNodeDesignatorKey { private ActiveNodeDesignatorKey() { } }

/// <summary>/user/redundancy/liveness: the peer failure detector.</summary>
public sealed class PeerFailureDetectorKey { private PeerFailureDetectorKey() { } }

/// <summary>/user/redundancy/coordinator: this node's activity level, status and events.</summary>
public sealed class RedundancyCoordinatorKey { private RedundancyCoordinatorKey() { } }

/// <summary>/user/redundancy/membership: the pair's membership rules.</summary>
public sealed class PairMembershipKey { private PairMembershipKey() { } }

/// <summary>/user/redundancy/config-replicator: edits and reads of the configuration.</summary>
public sealed class ConfigReplicatorKey { private ConfigReplicatorKey() { } }

/// <summary>/user/redundancy/tags: the tag engine.</summary>
public sealed class TagEngineKey { private TagEngineKey() { } }

/// <summary>/user/redundancy/alarms: the alarm engine.</summary>
public sealed class AlarmEngineKey { private AlarmEngineKey() { } }

/// <summary>/user/redundancy/state-replicator: the alarm runtime state and its shipping to the peer.</summary>
public sealed class StateReplicatorKey { private StateReplicatorKey() { } }

/// <summary>/user/redundancy/history: the historian's store-and-forward cache.</summary>
public sealed class HistoryCacheKey { private HistoryCacheKey() { } }

public static class RedundancyActorKeys
{
    /// <summary>The registry key of <paramref name="actor"/>.</summary>
    public static Type KeyOf(RedundancyActor actor) => actor switch
    {
        RedundancyActor.Guardian => typeof(RedundancyGuardianKey),
        RedundancyActor.DesignatorProxy => typeof(ActiveNodeDesignatorKey),
        RedundancyActor.Liveness => typeof(PeerFailureDetectorKey),
        RedundancyActor.Coordinator => typeof(RedundancyCoordinatorKey),
        RedundancyActor.Membership => typeof(PairMembershipKey),
        RedundancyActor.ConfigReplicator => typeof(ConfigReplicatorKey),
        RedundancyActor.Tags => typeof(TagEngineKey),
        RedundancyActor.Alarms => typeof(AlarmEngineKey),
        RedundancyActor.StateReplicator => typeof(StateReplicatorKey),
        RedundancyActor.History => typeof(HistoryCacheKey),
        _ => throw new ArgumentOutOfRangeException(nameof(actor), actor, null),
    };

    /// <summary>The node's actors once the guardian has created them (waits for their registration, never blocks a thread).</summary>
    public static async Task<RedundancyHandles> GetRedundancyHandlesAsync(this ActorRegistry registry, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (registry.TryGetRedundancyHandles() is { } handles) return handles;
            // ActorRegistry.GetAsync (Akka.Hosting 1.5.73) checks, then adds its waiter: a registration in between (the
            // guardian registers on its own thread) is missed and it would wait for ever. So each wait is short and
            // the registry is read again after it.
            using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            round.CancelAfter(RegistrationRecheck);
            try { await registry.GetAsync<ConfigReplicatorKey>(round.Token); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
        }
    }

    private static readonly TimeSpan RegistrationRecheck = TimeSpan.FromMilliseconds(100);

    /// <summary>The node's actors, or null while the guardian has not created them all yet.</summary>
    public static RedundancyHandles? TryGetRedundancyHandles(this IReadOnlyActorRegistry registry) =>
        registry.TryGet<RedundancyCoordinatorKey>(out var coordinator)
        && registry.TryGet<PeerFailureDetectorKey>(out var liveness)
        && registry.TryGet<PairMembershipKey>(out var membership)
        && registry.TryGet<ConfigReplicatorKey>(out var config)
        && registry.TryGet<TagEngineKey>(out var tags)
        && registry.TryGet<AlarmEngineKey>(out var alarms)
        && registry.TryGet<StateReplicatorKey>(out var stateSync)
        && registry.TryGet<HistoryCacheKey>(out var history)
            ? new RedundancyHandles(coordinator, liveness, membership, config, tags, alarms, stateSync, history)
            : null;
}
