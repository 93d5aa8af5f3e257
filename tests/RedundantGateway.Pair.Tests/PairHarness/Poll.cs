using System.Diagnostics;

namespace RedundantGateway.Pair.Tests.PairHarness;

public sealed class PollTimeoutException(string message) : Exception(message);

/// <summary>Waits for an outcome: polls a condition with a deadline, never a fixed sleep.</summary>
public static class Poll
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(75);

    /// <summary>
    /// Polls <paramref name="condition"/> every <paramref name="interval"/> until it holds; after
    /// <paramref name="timeout"/> throws with <paramref name="what"/> and the <paramref name="diagnostics"/>
    /// (the last observed state of the nodes and their logs' tails). Returns how long it took.
    /// </summary>
    public static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what,
        Func<Task<string>>? diagnostics = null, TimeSpan? interval = null)
    {
        var clock = Stopwatch.StartNew();
        var stalledAtStart = StallClock.Touch();
        Exception? lastError = null;
        while (true)
        {
            try
            {
                if (await condition()) return clock.Elapsed - (StallClock.Stalled - stalledAtStart);
                lastError = null;
            }
            catch (Exception e) when (e is not PollTimeoutException)
            {
                lastError = e;
            }
            // A machine-wide stall froze the nodes too: it does not count against the deadline.
            var stalled = StallClock.Stalled - stalledAtStart;
            if (clock.Elapsed - stalled >= timeout)
            {
                var message = $"Timed out after {timeout.TotalSeconds:0.#} s waiting until {what}.";
                if (stalled > TimeSpan.Zero) message += $" (The machine also stalled for {stalled.TotalSeconds:0.#} s, not counted.)";
                if (lastError is not null) message += $"\nThe condition last threw: {lastError.GetType().Name}: {lastError.Message}";
                if (diagnostics is not null)
                {
                    try { message += "\n" + await diagnostics(); }
                    catch (Exception e) { message += $"\n(diagnostics failed: {e.Message})"; }
                }
                throw new PollTimeoutException(message);
            }
            await Task.Delay(interval ?? DefaultInterval);
        }
    }

    public static Task<TimeSpan> UntilAsync(Func<bool> condition, TimeSpan timeout, string what,
        Func<Task<string>>? diagnostics = null, TimeSpan? interval = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what, diagnostics, interval);
}
