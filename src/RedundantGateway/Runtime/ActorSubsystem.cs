using Akka.Actor;

namespace RedundantGateway.Runtime;

/// <summary>Tells a runtime actor the node's new level; it answers <see cref="RuntimeLevelApplied"/> once it runs at it.</summary>
public sealed record ApplyRuntimeLevel(ActivityLevel Level);

public sealed record RuntimeLevelApplied(ActivityLevel Level);

/// <summary>Tells a runtime actor to rebuild from the configuration (after a transfer); answered with <see cref="RuntimeRestarted"/>.</summary>
public sealed record RestartRuntimeActor(RuntimeRestart Restart);

public sealed record RuntimeActorRestarted(long ConfigRevision);

/// <summary>
/// A runtime subsystem that is an actor (the tag engine, the alarm engine): the coordinator drives it like any
/// other subsystem, and a level change counts as done only once the actor has answered.
/// </summary>
public sealed class ActorSubsystem(string name, IActorRef actor, TimeSpan timeout) : IRuntimeSubsystem
{
    private readonly Lock _gate = new();
    private ActivityLevel _level = ActivityLevel.Undecided;
    private int _transitions;
    private int _restarts;
    private long? _configRevision;

    public string Name => name;

    public ActivityLevel Level { get { lock (_gate) return _level; } }

    public int Transitions { get { lock (_gate) return _transitions; } }

    public int Restarts { get { lock (_gate) return _restarts; } }

    public long? ConfigRevision { get { lock (_gate) return _configRevision; } }

    public async Task ApplyLevelAsync(ActivityLevel level, CancellationToken cancellationToken)
    {
        var applied = await actor.Ask<RuntimeLevelApplied>(new ApplyRuntimeLevel(level), timeout, cancellationToken);
        lock (_gate)
        {
            if (applied.Level == _level) return;
            _level = applied.Level;
            _transitions++;
        }
    }

    public async Task RestartAsync(RuntimeRestart restart, CancellationToken cancellationToken)
    {
        var restarted = await actor.Ask<RuntimeActorRestarted>(new RestartRuntimeActor(restart), timeout, cancellationToken);
        lock (_gate)
        {
            _restarts++;
            _configRevision = restarted.ConfigRevision;
        }
    }
}
