using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using RedundantGateway.History;
using RedundantGateway.Tags;

namespace RedundantGateway.Benchmarks;

/// <summary>
/// The history databases alone (issue 12, the store side): batches of samples written straight into a SQLite file and
/// into PostgreSQL through IHistoryStore, as the forwarder of the store-and-forward cache will hand them. Samples of
/// 1000 tags, one a second each, prepared before the clock starts; each batch its own transaction. The same rows written
/// a second time measure a re-forward (every row a duplicate). CPU time is the benchmark process's (and the PostgreSQL
/// server's processes'), next to the load average, because the machine is shared.
/// </summary>
internal static class HistoryStoreBenchmarks
{
    private const int Tags = 1000;
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

    public static async Task<string> RunAsync(int rows, IReadOnlyList<int> batchSizes, string? postgres, string command, string databases = "sqlite,postgres")
    {
        Console.WriteLine($"history-store, {rows:N0} rows, batches of {string.Join(", ", batchSizes)}");
        var quiet = await Machine.QuietnessAsync();
        var table = new StringBuilder()
            .AppendLine("| database | batch (samples, one transaction) | pass | rows | seconds | rows/s | CPU s (client + server) | load average after |")
            .AppendLine("|---|---|---|---|---|---|---|---|");
        var dir = Directory.CreateTempSubdirectory("rg-history-bench-").FullName;
        try
        {
            foreach (var batch in databases.Contains("sqlite") ? batchSizes : [])
            {
                var path = Path.Combine(dir, $"history-{batch}.db");
                await using var store = new SqliteHistoryStore(path, TimeSpan.FromSeconds(5));
                await MeasureAsync(table, "SQLite (WAL, synchronous=NORMAL)", store, rows, batch, serverPid: null);
            }
            if (!databases.Contains("postgres")) return table.ToString();
            await using var server = postgres is null ? await BenchPostgres.StartAsync() : null;
            var connectionString = postgres ?? server!.ConnectionString;
            foreach (var batch in batchSizes)
            {
                var database = await BenchPostgres.CreateDatabaseAsync(connectionString, $"history_bench_{batch}");
                await using var store = new PostgresHistoryStore(database, TimeSpan.FromSeconds(300));
                await MeasureAsync(table, server is null ? "PostgreSQL (given server)" : "PostgreSQL 15 (private server, default durability)", store, rows, batch, server?.Pid);
            }
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
        return new StringBuilder()
            .AppendLine("### History store")
            .AppendLine()
            .AppendLine($"Command: `{command}`")
            .AppendLine()
            .AppendLine($"Batches written straight into each database through `IHistoryStore.WriteAsync` (no cache in front yet): {rows:N0} samples of {Tags:N0} double tags, prepared before the clock starts, each batch one transaction with the fence check. Pass 1 writes new rows; pass 2 writes the same batches again (every row a duplicate, as when a forwarder retries). SQLite file on the local disk (WAL, synchronous=NORMAL: a commit is durable against a process crash, not a power cut); PostgreSQL on loopback with fsync and synchronous_commit on (binary COPY into a staging table, one INSERT ... ON CONFLICT DO NOTHING). Goals, end to end with the cache (later): 200,000/s SQLite, 100,000/s PostgreSQL.")
            .AppendLine()
            .AppendLine($"Before: {quiet}.")
            .AppendLine()
            .Append(table)
            .ToString();
    }

    private static async Task MeasureAsync(StringBuilder table, string label, IHistoryStore store, int rows, int batchSize, int? serverPid)
    {
        await store.OpenAsync(CancellationToken.None);
        var batches = Batches(rows, batchSize);
        for (var pass = 1; pass <= 2; pass++)
        {
            var (cpuBefore, serverBefore) = (Process.GetCurrentProcess().TotalProcessorTime, ServerCpu(serverPid));
            var clock = Stopwatch.StartNew();
            long written = 0, duplicates = 0;
            foreach (var batch in batches)
            {
                var result = await store.WriteAsync(batch, CancellationToken.None);
                if (result.Fenced || result.Rejected.Count > 0) throw new InvalidOperationException($"{label}: batch fenced or rejected");
                (written, duplicates) = (written + result.Written, duplicates + result.Duplicates);
            }
            clock.Stop();
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            var server = ServerCpu(serverPid) - serverBefore;
            (long, long) expected = pass == 1 ? (rows, 0) : (0, rows);
            if ((written, duplicates) != expected) throw new InvalidOperationException($"{label} pass {pass}: {written} written, {duplicates} duplicates");
            var rate = rows / clock.Elapsed.TotalSeconds;
            var cpuText = serverPid is null ? cpu.ToString("F1", CultureInfo.InvariantCulture) : $"{cpu:F1} + {server:F1}";
            var line = $"| {label} | {batchSize:N0} | {(pass == 1 ? "1: new rows" : "2: all duplicates")} | {rows:N0} | {clock.Elapsed.TotalSeconds:F2} | {rate:N0} | {cpuText} | {Machine.LoadAverage()} |";
            Console.WriteLine(line);
            table.AppendLine(line);
        }
    }

    /// <summary>The rows in time order (as a cache drains them), batch by batch, every tag in each batch.</summary>
    private static List<HistoryBatch> Batches(int rows, int batchSize)
    {
        var batches = new List<HistoryBatch>();
        var tags = Enumerable.Range(0, Tags).Select(i => $"bench/area{i / 100}/tag{i}").ToArray();
        for (var start = 0; start < rows; start += batchSize)
        {
            var samples = new List<HistorySample>(Math.Min(batchSize, rows - start));
            for (var i = start; i < Math.Min(rows, start + batchSize); i++)
                samples.Add(new HistorySample(tags[i % Tags], T0.AddSeconds(i / Tags), Math.Sin(i * 0.001) * 100, TagQuality.Good, "master", 1));
            batches.Add(new HistoryBatch("bench", "master", 1, samples));
        }
        return batches;
    }

    /// <summary>CPU seconds of the PostgreSQL server: the postmaster and its children (backends, writer, WAL writer).</summary>
    private static double ServerCpu(int? postmaster)
    {
        if (postmaster is not { } root) return 0;
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (pid != root && int.Parse(fields[1], CultureInfo.InvariantCulture) != root) continue;
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        }
        return ticks / 100.0;   // USER_HZ
    }
}

/// <summary>
/// A throw-away PostgreSQL 15 server for the benchmark: a fresh cluster in a temp folder on a free loopback port, run
/// as the postgres user, with the server's default durability (fsync and synchronous_commit on), stopped and deleted
/// when disposed.
/// </summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    private const string BinDir = "/usr/lib/postgresql/15/bin";
    private readonly string _root;

    private BenchPostgres(string root, int port, int pid)
    {
        (_root, Pid) = (root, pid);
        ConnectionString = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres" }.ConnectionString;
    }

    public string ConnectionString { get; }
    public int Pid { get; }

    public static async Task<BenchPostgres> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("rg-history-pg-").FullName;
        var data = Path.Combine(root, "data");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        if (Environment.UserName == "root") await RunAsync("chown", "-R", "postgres:", root);
        await RunAsPostgresAsync(Path.Combine(BinDir, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale");
        await RunAsPostgresAsync(Path.Combine(BinDir, "pg_ctl"), "start", "-w", "-t", "60", "-D", data, "-l", Path.Combine(root, "server.log"),
            "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {root}");
        var pid = int.Parse(File.ReadLines(Path.Combine(data, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        return new BenchPostgres(root, port, pid);
    }

    public static async Task<string> CreateDatabaseAsync(string connectionString, string name)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name}", connection);
            await drop.ExecuteNonQueryAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try { await RunAsPostgresAsync(Path.Combine(BinDir, "pg_ctl"), "stop", "-w", "-m", "fast", "-D", Path.Combine(_root, "data")); }
        finally { Directory.Delete(_root, recursive: true); }
    }

    private static Task RunAsPostgresAsync(string file, params string[] args) =>
        Environment.UserName == "root" ? RunAsync("runuser", ["-u", "postgres", "--", file, .. args]) : RunAsync(file, args);

    private static async Task RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {process.ExitCode}\n{await output}{await error}");
    }
}
