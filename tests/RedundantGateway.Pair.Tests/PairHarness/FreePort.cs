using System.Net;
using System.Net.Sockets;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>Free TCP ports on 127.0.0.1, never the same one twice in this process.</summary>
public static class FreePort
{
    private static readonly HashSet<int> HandedOut = new();

    public static int Next()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 100; attempt++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (HandedOut.Add(port)) return port;
            }
            throw new InvalidOperationException("no free port found in 100 attempts");
        }
    }
}
