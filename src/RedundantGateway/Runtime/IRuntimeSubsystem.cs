
namespace RedundantGateway.Runtime;

/// <summary>
/// A runtime subsystem (tag engine, alarms, history...) whose work follows the node's activity level:
/// cold or undecided, it does not run; warm, it runs without side effects; active, it runs fully.
/// The coordinator calls it from one actor, one level change at a time.
/// </summary>
public interface IRuntimeSubsystem
{
    string Name { get; }

    /// <summary>The level the subsystem last reached.</summary>
    ActivityLevel Level { get; }

    /// <summary>How many level changes it made since the process started.</summary>
    int Transitions { get; }

    /// <summary>How many restarts it made since the process started.</summary>
    int Restarts { get; }

    /// <summary>The configuration revision it was last (re)started with; null before the first restart.</summary>
    long? ConfigRevision { get; }

    Task ApplyLevelAsync(ActivityLevel level, CancellationToken cancellationToken);

    /// <summary>
    /// Restart after the configuration was replaced (a transfer from the master): rebuild everything
    /// derived from the configuration and come back at the current level. The process stays up.
    /// </summary>
    Task RestartAsync(RuntimeRestart restart, CancellationToken cancellationToken);
}

/// <summary>Why and with which configuration revision the runtime restarts.</summary>
public sealed record RuntimeRestart(string Reason, long ConfigRevision);

/// <summary>
/// Stands in for the runtime until the tag engine exists: records each start, stop and change of mode,
/// so that tests and the status page can see what ran at which level.
/// </summary>
public sealed class ActivityRecorder(string name) : IRuntimeSubsystem
{
    private readonly Lock _gate = new();
    private readonly List<(DateTimeOffset At, ActivityLevel Level)> _history = [];
    private ActivityLevel _level = ActivityLevel.Undecided;
    private int _restarts;
    private long? _configRevision;

    public string Name => name;

    public ActivityLevel Level { get { lock (_gate) return _level; } }

    public int Transitions { get { lock (_gate) return _history.Count; } }

    public IReadOnlyList<(DateTimeOffset At, ActivityLevel Level)> History { get { lock (_gate) return _history.ToList(); } }

    public int Restarts { get { lock (_gate) return _restarts; } }

    public long? ConfigRevision { get { lock (_gate) return _configRevision; } }

    /// <summary>Whether it runs at all at <paramref name="level"/>.</summary>
    public static bool Runs(ActivityLevel level) => level is ActivityLevel.Warm or ActivityLevel.Active;

    public Task ApplyLevelAsync(ActivityLevel level, CancellationToken cancellationToken)
    {
        // Cold and undecided are the same for a subsystem: not running.
        var effective = Runs(level) ? level : ActivityLevel.Cold;
        lock (_gate)
        {
            if (effective == _level) return Task.CompletedTask;
            _level = effective;
            _history.Add((DateTimeOffset.UtcNow, effective));
        }
        return Task.CompletedTask;
    }

    public Task RestartAsync(RuntimeRestart restart, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _restarts++;
            _configRevision = restart.ConfigRevision;
        }
        return Task.CompletedTask;
    }
}
