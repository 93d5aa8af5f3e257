using System.Globalization;
using System.Text.Json;

namespace RedundantGateway.Cli;

/// <summary>What /api/redundancy says of configuration transfers, read tolerantly (a field it lacks is unknown).</summary>
public sealed record TransferSnapshot(string Role, string State, int Transfers, int Restarts, long? LastBytes, double? LastDurationMs, string? LastAt)
{
    public static TransferSnapshot Read(JsonElement status)
    {
        var config = status.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        var last = config.ValueKind == JsonValueKind.Object && config.TryGetProperty("lastTransfer", out var l) && l.ValueKind == JsonValueKind.Object ? l : default;
        var restarts = status.TryGetProperty("subsystems", out var subsystems) && subsystems.ValueKind == JsonValueKind.Array
            ? subsystems.EnumerateArray().Sum(s => s.TryGetProperty("restarts", out var r) && r.TryGetInt32(out var n) ? n : 0)
            : 0;
        return new TransferSnapshot(
            Role: Text(status, "role") ?? "",
            State: config.ValueKind == JsonValueKind.Object ? Text(config, "state") ?? "" : "",
            Transfers: config.ValueKind == JsonValueKind.Object && config.TryGetProperty("transfers", out var t) && t.TryGetInt32(out var count) ? count : 0,
            Restarts: restarts,
            LastBytes: last.ValueKind == JsonValueKind.Object && last.TryGetProperty("bytes", out var b) && b.TryGetInt64(out var bytes) ? bytes : null,
            LastDurationMs: last.ValueKind == JsonValueKind.Object && last.TryGetProperty("durationMs", out var d) && d.TryGetDouble(out var ms) ? ms : null,
            LastAt: last.ValueKind == JsonValueKind.Object ? Text(last, "at") : null);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>How far a forced re-sync has come: a fraction for the bar, a word for the stage, done or not.</summary>
public sealed record TransferProgress(double Fraction, string Stage, bool Done, long? Bytes, double? BytesPerSecond);

/// <summary>
/// The stages of a forced re-sync as the followed node shows them. A backup counts its transfers and its runtime
/// restarts: done once a new transfer is applied, the runtime restarted and the state is in-sync. The bytes and the
/// rate are those of the finished transfer (the node publishes no count while the chunks flow). A master does not see
/// the backup's transfer: done once it reports the backup in sync again.
/// </summary>
public static class TransferRules
{
    private static readonly HashSet<string> Transferring = ["full-transfer", "module-transfer", "applying"];

    public static TransferProgress Judge(TransferSnapshot before, TransferSnapshot now)
    {
        if (now.Role == "master")
            return now.State == "backup-in-sync"
                ? new TransferProgress(1, "backup in sync", true, null, null)
                : new TransferProgress(0.5, now.State.Length == 0 ? "waiting" : now.State, false, null, null);

        var transferred = now.Transfers > before.Transfers;
        var bytes = transferred ? now.LastBytes : null;
        double? rate = transferred && now.LastBytes is { } b && now.LastDurationMs is > 0 and var ms ? b / (ms / 1000.0) : null;
        if (transferred && now.Restarts > before.Restarts && now.State == "in-sync")
            return new TransferProgress(1, "runtime restarted", true, bytes, rate);
        if (transferred) return new TransferProgress(0.8, "applied, runtime restarting", false, bytes, rate);
        if (Transferring.Contains(now.State)) return new TransferProgress(0.4, now.State, false, null, null);
        return new TransferProgress(0.1, "requested", false, null, null);
    }

    /// <summary>Bytes as B, KB, MB (1024 based), for the bar and its rate.</summary>
    public static string Size(double bytes)
    {
        string[] units = ["B", "KB", "MB", "GB"];
        var unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes.ToString("0", CultureInfo.InvariantCulture)} B" : $"{bytes.ToString("0.0", CultureInfo.InvariantCulture)} {units[unit]}";
    }

    /// <summary>One line of the bar: [#####-----] stage, bytes, rate, elapsed.</summary>
    public static string Bar(TransferProgress progress, TimeSpan elapsed, int width = 24)
    {
        var filled = (int)Math.Round(Math.Clamp(progress.Fraction, 0, 1) * width);
        var bytes = progress.Bytes is { } b ? $"  {Size(b)}" : "";
        var rate = progress.BytesPerSecond is { } r ? $"  {Size(r)}/s" : "";
        return $"[{new string('#', filled)}{new string('-', width - filled)}] {progress.Stage}{bytes}{rate}  {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
    }
}
