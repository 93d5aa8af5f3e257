using System.Net;
using System.Net.Sockets;
using RedundantGateway.Configuration;

namespace RedundantGateway.Node;

/// <summary>
/// Before anything starts, the node tries its web and node-link ports: a taken one stops it with one line naming the
/// port and the key (Kestrel and Akka would report it as nested exceptions with stack traces, Akka after its cluster
/// daemon had started). A port taken in the instant between the check and the real bind is still reported by
/// <see cref="NodeWeb.IsPortInUse"/>.
/// </summary>
internal static class PortCheck
{
    /// <summary>One line for the first port of <paramref name="settings"/> another process holds, or null.</summary>
    public static string? FindTakenPort(GatewaySettings settings)
    {
        if (IsTaken(settings.Web.Hostname, settings.Web.Port))
            return InUse(settings.Web.Port, settings.Web.Hostname, "redundant-gateway.web.port");
        if (IsTaken(settings.Cluster.Hostname, settings.Cluster.Port))
            return InUse(settings.Cluster.Port, settings.Cluster.Hostname, "redundant-gateway.cluster.port");
        return null;
    }

    public static string InUse(int port, string host, string key) =>
        $"port {port} is in use on {host} ({key}): another process (another copy of this node?) listens there; stop it or choose another port";

    private static bool IsTaken(string host, int port)
    {
        if (Address(host) is not { } address) return false; // unresolvable: the real bind reports it
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(1);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
        catch (SocketException)
        {
            return false; // not ours to judge here (e.g. an address of another machine): the real bind reports it
        }
    }

    private static IPAddress? Address(string host)
    {
        if (ClusterSettings.IsWildcard(host)) return IPAddress.Any;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address)) return address;
        try { return Dns.GetHostAddresses(host).FirstOrDefault(); }
        catch (SocketException) { return null; }
    }
}
