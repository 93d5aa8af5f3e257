using System.Diagnostics;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>
/// Measures how long this test process could not run at all (a machine-wide stall: swapping, an OOM killer
/// at work, a frozen VM): a thread wakes every 100 ms and counts any wake-up later than 1 s as stalled time.
/// Deadlines for outcomes exclude it, since the nodes could not run either; the stalls are reported.
/// </summary>
public static class StallClock
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(1);
    private static long _stalledTicks;

    static StallClock()
    {
        var thread = new Thread(() =>
        {
            var clock = Stopwatch.StartNew();
            var last = clock.Elapsed;
            while (true)
            {
                Thread.Sleep(Tick);
                var now = clock.Elapsed;
                var late = now - last - Tick;
                if (late > Threshold) Interlocked.Add(ref _stalledTicks, late.Ticks);
                last = now;
            }
        }) { IsBackground = true, Name = "stall-clock", Priority = ThreadPriority.AboveNormal };
        thread.Start();
    }

    /// <summary>Total stalled time since the test process started.</summary>
    public static TimeSpan Stalled => TimeSpan.FromTicks(Interlocked.Read(ref _stalledTicks));

    /// <summary>Starts the clock (call early); returns the current total.</summary>
    public static TimeSpan Touch() => Stalled;
}
