namespace RedundantGateway.Liveness;

/// <summary>
/// The phi-accrual suspicion level of a peer from the intervals between its heartbeats
/// (Hayashibara et al.; the same formula as Akka.Remote's PhiAccrualFailureDetector, whose
/// phi value is not public). Not thread-safe: one actor owns it.
/// </summary>
public sealed class PhiAccrualEstimator(int maxSamples, TimeSpan minStdDeviation, TimeSpan acceptablePause)
{
    private readonly Queue<double> _intervalsMs = new();
    private double _sum;
    private double _sumOfSquares;
    private long? _lastHeartbeatMs;

    public long? LastHeartbeatMs => _lastHeartbeatMs;

    /// <summary>Records a heartbeat that arrived at <paramref name="nowMs"/>.</summary>
    public void Heartbeat(long nowMs)
    {
        if (_lastHeartbeatMs is { } last)
        {
            double interval = nowMs - last;
            _intervalsMs.Enqueue(interval);
            _sum += interval;
            _sumOfSquares += interval * interval;
            if (_intervalsMs.Count > maxSamples)
            {
                var dropped = _intervalsMs.Dequeue();
                _sum -= dropped;
                _sumOfSquares -= dropped * dropped;
            }
        }
        _lastHeartbeatMs = nowMs;
    }

    /// <summary>Forgets the history (the peer restarted or came back after being judged down).</summary>
    public void Reset()
    {
        _intervalsMs.Clear();
        _sum = _sumOfSquares = 0;
        _lastHeartbeatMs = null;
    }

    /// <summary>phi at <paramref name="nowMs"/>; 0 before two heartbeats were seen.</summary>
    public double Phi(long nowMs)
    {
        if (_lastHeartbeatMs is not { } last || _intervalsMs.Count == 0) return 0;
        var n = _intervalsMs.Count;
        var mean = _sum / n + acceptablePause.TotalMilliseconds;
        var variance = Math.Max(0, _sumOfSquares / n - (_sum / n) * (_sum / n));
        var std = Math.Max(Math.Sqrt(variance), minStdDeviation.TotalMilliseconds);
        return Phi(nowMs - last, mean, std);
    }

    /// <summary>-log10(1 - F(elapsed)) with F the normal CDF, in the logistic approximation Akka uses.</summary>
    internal static double Phi(double elapsedMs, double meanMs, double stdMs)
    {
        var y = (elapsedMs - meanMs) / stdMs;
        var exponent = y * (1.5976 + 0.070566 * y * y);
        if (elapsedMs > meanMs)
        {
            // -log10(e / (1 + e)) with e = exp(-exponent), written so that it never underflows: it keeps growing.
            return exponent / Math.Log(10) + Math.Log10(1.0 + Math.Exp(-exponent));
        }
        var e = Math.Exp(-exponent);
        return -Math.Log10(1.0 - 1.0 / (1.0 + e));
    }
}
