using Akka.Actor;
using Akka.Event;

namespace RedundantGateway.ConfigSync;

/// <summary>Told by a <see cref="ModuleWatcher"/> to its parent: the first scan, and every one that publishes another manifest.</summary>
public sealed record ModulesChanged(ModuleScan Scan);

/// <summary>To a <see cref="ModuleWatcher"/>: the folder was just changed and read by its parent; scan on from there.</summary>
public sealed record ModulesRescanned(ModuleScan Scan);

/// <summary>
/// Reads <c>&lt;data-dir&gt;/modules</c> at start and then every scan interval (none: once), on the thread
/// pool (it hashes files). With <c>requireSettled</c> (the master) a new or changed file is published only
/// when two scans in a row agree on its size and time of change (<see cref="ModuleFolder.Scan"/>). Tells
/// its parent the first result and every change of the published manifest.
/// </summary>
public sealed class ModuleWatcher : ReceiveActor, IWithTimers
{
    public const string Name = "module-watcher";

    private readonly string _directory;
    private readonly bool _requireSettled;
    private readonly TimeSpan? _interval;
    private readonly TimeSpan _retryInterval;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ModuleScan _last = ModuleScan.Empty;
    private bool _read;
    private bool _scanning;

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record Tick { public static readonly Tick Instance = new(); }
    private sealed record Scanned(ModuleScan Scan);
    private sealed record ScanFailed(string Reason);

    /// <param name="interval">null: read once (an independent node).</param>
    /// <param name="retryInterval">until the folder has been read once, a failed read is retried after this.</param>
    public static Props Props(string directory, bool requireSettled, TimeSpan? interval, TimeSpan retryInterval) =>
        Akka.Actor.Props.Create(() => new ModuleWatcher(directory, requireSettled, interval, retryInterval));

    public ModuleWatcher(string directory, bool requireSettled, TimeSpan? interval, TimeSpan retryInterval)
    {
        _directory = directory;
        _requireSettled = requireSettled;
        _interval = interval;
        _retryInterval = retryInterval;

        Receive<Tick>(_ => StartScan());
        Receive<Scanned>(OnScanned);
        Receive<ScanFailed>(failed =>
        {
            // The last manifest stays: better slightly stale than empty (an empty one would have the backup delete its modules).
            _scanning = false;
            _log.Warning("Modules folder {Directory} not read: {Reason}", _directory, failed.Reason);
            if (!_read) Timers.StartSingleTimer("retry", Tick.Instance, _retryInterval);
        });
        Receive<ModulesRescanned>(rescanned => _last = rescanned.Scan);
    }

    protected override void PreStart()
    {
        StartScan();
        if (_interval is { } every) Timers.StartPeriodicTimer("scan", Tick.Instance, every);
    }

    private void StartScan()
    {
        if (_scanning) return;
        _scanning = true;
        var previous = _last;
        var directory = _directory;
        var requireSettled = _requireSettled;
        Task.Run(() => ModuleFolder.Scan(directory, previous, requireSettled))
            .PipeTo(Self, success: scan => new Scanned(scan), failure: e => new ScanFailed(e.GetBaseException().Message));
    }

    private void OnScanned(Scanned scanned)
    {
        _scanning = false;
        var changed = scanned.Scan.Manifest.Digest != _last.Manifest.Digest;
        var first = !_read;
        _last = scanned.Scan;
        _read = true;
        if (changed) _log.Info("Modules: {Count} files, digest {Digest}", _last.Manifest.Modules.Count, _last.Manifest.Digest[..12]);
        if (changed || first) Context.Parent.Tell(new ModulesChanged(_last));
    }
}
