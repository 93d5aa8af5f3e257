using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using Xunit;

namespace RedundantGateway.Tests;

/// <summary>
/// A private, throw-away PostgreSQL 15 server for one test class (<c>IClassFixture&lt;PostgresServer&gt;</c>):
/// a fresh cluster in a temp folder, owned by the <c>postgres</c> OS user, listening on 127.0.0.1 on a free port,
/// trust authentication, fsync and full_page_writes off for speed. synchronous_commit stays on: a committed batch is
/// in the WAL (the OS's cache) before the client hears so, so a server stopped at once (<see cref="StopAsync"/>, as a
/// crash) keeps every commit it acknowledged, as a production server would; only an OS crash could lose it.
/// Call <see cref="CreateDatabaseAsync"/> to give each test its own clean database.
/// Needs the Debian package <c>postgresql</c> (CI installs it); there is no skip: a missing server fails the tests.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string ServiceUser = "postgres";
    private const string BinDir = "/usr/lib/postgresql/15/bin";
    private static readonly TimeSpan InitDbTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);   // pg_ctl -w itself gives up after -t 60
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(15);
    private const int StartAttempts = 3;   // the free port can be taken between probing it and the server binding it

    private readonly List<string> _connectionStrings = new();
    private string? _root;
    private string? _pgCtl;
    private bool _started;
    private bool _disposed;

    /// <summary>The temp folder holding the cluster (<c>data</c>), the socket folder (<c>sock</c>) and <c>server.log</c>.</summary>
    public string RootDir => _root ?? throw new InvalidOperationException("PostgresServer is not initialized.");
    public string DataDir => Path.Combine(RootDir, "data");
    public string SocketDir => Path.Combine(RootDir, "sock");
    public string LogFile => Path.Combine(RootDir, "server.log");

    /// <summary>The TCP port on 127.0.0.1 the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>How long <see cref="InitializeAsync"/> took (initdb + start).</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Npgsql connection string for the <c>postgres</c> database as the <c>postgres</c> superuser.</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var initDb = FindBinary("initdb");
            _pgCtl = FindBinary("pg_ctl");
            var asRoot = Environment.UserName == "root";
            if (asRoot && FindOnPath("runuser") is null)
                throw new InvalidOperationException("runuser not found: it is needed to run PostgreSQL as the postgres user when the tests run as root (Debian package util-linux).");

            _root = Directory.CreateTempSubdirectory("rg-pg-").FullName;
            Directory.CreateDirectory(SocketDir);
            if (asRoot)
                await RunAsync("chown", ["-R", $"{ServiceUser}:", _root], ShortTimeout, "chown of the temp folder to the postgres user");

            await RunAsServiceUserAsync(initDb,
                ["-D", DataDir, "-A", "trust", "-U", ServiceUser, "--no-sync", "-E", "UTF8", "--no-locale"],
                InitDbTimeout, "initdb");

            for (var attempt = 1; ; attempt++)
            {
                Port = FreeTcpPort();
                File.Delete(LogFile);   // so the log tail and the retry check see this attempt only
                try
                {
                    await StartServerAsync();
                    break;
                }
                catch (InvalidOperationException) when (attempt < StartAttempts && LogMentions("Address already in use"))
                {
                    await StopServerAsync();
                }
            }

            ConnectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = Port, Username = ServiceUser, Database = "postgres", Pooling = true,
            }.ConnectionString;
            _connectionStrings.Add(ConnectionString);
            StartupTime = clock.Elapsed;
        }
        catch
        {
            // Clean up here, then fail loudly: a host that never calls DisposeAsync after a failed
            // InitializeAsync leaks nothing, and for xunit (which does call it) DisposeAsync is then a no-op.
            await CleanupAsync(throwOnLeak: false);
            throw;
        }
    }

    /// <summary>Creates an empty database <paramref name="name"/> and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (ConnectionString.Length == 0) throw new InvalidOperationException("PostgresServer is not initialized.");
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(name)}", connection);
            await command.ExecuteNonQueryAsync();
        }
        var result = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
        lock (_connectionStrings) _connectionStrings.Add(result);
        return result;
    }

    public Task DisposeAsync() => CleanupAsync(throwOnLeak: true);

    /// <summary>
    /// An outage: stops the server at once (pg_ctl stop -m immediate, as a crash: clients see their connections
    /// refused or broken). <see cref="RestartAsync"/> brings it back on the same port with the same data.
    /// </summary>
    public Task StopAsync() => StopServerAsync();

    /// <summary>Starts the server stopped by <see cref="StopAsync"/> again, on the same port.</summary>
    public Task RestartAsync() => StartServerAsync();

    private async Task StartServerAsync()
    {
        var serverOptions = $"-c listen_addresses=127.0.0.1 -p {Port} -k {SocketDir} " +
                            "-c fsync=off -c full_page_writes=off";
        _started = true;   // from here on a failure may leave a server behind: stop it on cleanup
        await RunAsServiceUserAsync(_pgCtl!,
            ["start", "-w", "-t", "60", "-D", DataDir, "-l", LogFile, "-o", serverOptions],
            StartTimeout, $"pg_ctl start (port {Port})");
    }

    private async Task CleanupAsync(bool throwOnLeak)
    {
        if (_disposed) return;
        _disposed = true;
        lock (_connectionStrings)
        {
            foreach (var cs in _connectionStrings)
                NpgsqlConnection.ClearPool(new NpgsqlConnection(cs));   // no pooled sockets to a dead server
        }

        Exception? stopError = null;
        try { await StopServerAsync(); }
        catch (Exception ex) { stopError = ex; }

        if (_root is not null)
        {
            try { Directory.Delete(_root, recursive: true); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (throwOnLeak && stopError is null) stopError = ex;
            }
        }
        if (throwOnLeak && stopError is not null)
            throw new InvalidOperationException($"PostgresServer cleanup failed (a server may be left running): {stopError.Message}", stopError);
    }

    /// <summary>Stops the server if one may be running; a no-op before the start was attempted.</summary>
    private async Task StopServerAsync()
    {
        if (!_started || _pgCtl is null) return;
        _started = false;
        if (!File.Exists(Path.Combine(DataDir, "postmaster.pid"))) return;   // start never got as far as a server
        await RunAsServiceUserAsync(_pgCtl, ["stop", "-w", "-t", "20", "-m", "immediate", "-D", DataDir], StopTimeout, "pg_ctl stop");
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    private static int FreeTcpPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }

    private static string FindBinary(string name)
    {
        var preferred = Path.Combine(BinDir, name);
        if (File.Exists(preferred)) return preferred;
        return FindOnPath(name) ?? throw new InvalidOperationException(
            $"PostgreSQL 15 '{name}' not found in {BinDir} or on PATH: install the Debian package 'postgresql' (apt-get install postgresql).");
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private bool LogMentions(string text)
    {
        try { return _root is not null && File.Exists(LogFile) && File.ReadAllText(LogFile).Contains(text, StringComparison.Ordinal); }
        catch (IOException) { return false; }
    }

    /// <summary>Runs a PostgreSQL tool as the postgres user (via runuser when the tests run as root: initdb and the server refuse root).</summary>
    private Task RunAsServiceUserAsync(string file, IReadOnlyList<string> args, TimeSpan timeout, string what) =>
        Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", ServiceUser, "--", file, .. args], timeout, what)
            : RunAsync(file, args, timeout, what);

    private async Task RunAsync(string file, IReadOnlyList<string> args, TimeSpan timeout, string what)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // A folder the postgres user can enter: the test's own folder may not be readable by it.
            WorkingDirectory = _root ?? Path.GetTempPath(),
        };
        foreach (var arg in args) psi.ArgumentList.Add(arg);

        var output = new StringBuilder();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception) { }
            throw new InvalidOperationException(
                $"{what} timed out after {timeout.TotalSeconds:0} s.{Describe(output)}{LogTail()}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{what} failed with exit code {process.ExitCode}.{Describe(output)}{LogTail()}");
    }

    private static string Describe(StringBuilder output)
    {
        string text;
        lock (output) text = output.ToString().Trim();
        return text.Length == 0 ? "" : $"\n--- output ---\n{text}";
    }

    private string LogTail(int lines = 20)
    {
        try
        {
            if (_root is null || !File.Exists(LogFile)) return "";
            var tail = File.ReadLines(LogFile).TakeLast(lines).ToList();
            return tail.Count == 0 ? "" : $"\n--- last {tail.Count} lines of {LogFile} ---\n{string.Join('\n', tail)}";
        }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }
}
