using System.Net;
using System.Net.Sockets;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>
/// An in-process TCP proxy in front of one node's link port. <see cref="Cut"/> stops forwarding in both
/// directions without closing anything (a real partition: bytes stay queued in the sockets, new connections
/// are accepted but not forwarded); <see cref="Heal"/> resumes forwarding of everything queued.
/// </summary>
public sealed class LinkProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = new();
    private readonly List<Task> _tasks = new();
    private readonly Task _acceptLoop;
    private volatile TaskCompletionSource _open = NewOpenGate();
    private long _forwardedBytes;
    private int _connections;

    public LinkProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, FreePort.Next());
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The port peers dial instead of the node's cluster port.</summary>
    public int Port { get; }
    public bool IsCut => !_open.Task.IsCompleted;
    public long ForwardedBytes => Interlocked.Read(ref _forwardedBytes);
    public int Connections => Volatile.Read(ref _connections);

    private static TaskCompletionSource NewOpenGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    public void Cut()
    {
        lock (_sockets)
        {
            if (IsCut) return;
            _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Heal()
    {
        lock (_sockets) _open.TrySetResult();
    }

    private Task GateAsync() => _open.Task.WaitAsync(_stop.Token);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            Interlocked.Increment(ref _connections);
            Track(client);
            lock (_sockets) _tasks.Add(Task.Run(() => ConnectAndForwardAsync(client)));
        }
    }

    private void Track(Socket socket)
    {
        socket.NoDelay = true;
        lock (_sockets) _sockets.Add(socket);
    }

    private async Task ConnectAndForwardAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A connection made during a cut is accepted, but reaches the node only once healed.
            await GateAsync();
            Track(upstream);
            await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _targetPort), _stop.Token);
            await Task.WhenAny(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
        finally
        {
            Close(client);
            Close(upstream);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                // While cut, nothing is read: bytes stay queued in the kernel's socket buffers.
                await GateAsync();
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0) return;
                // A read that was already under way when the cut came is held back too.
                await GateAsync();
                var sent = 0;
                while (sent < read) sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, _stop.Token);
                Interlocked.Add(ref _forwardedBytes, read);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    private static void Close(Socket socket)
    {
        try { socket.Close(0); } catch (ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Task[] tasks;
        lock (_sockets)
        {
            foreach (var socket in _sockets) Close(socket);
            tasks = _tasks.Append(_acceptLoop).ToArray();
        }
        try { await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        _stop.Dispose();
    }
}
