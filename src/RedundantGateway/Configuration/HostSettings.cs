namespace RedundantGateway.Configuration;

/// <summary>Where the status page and REST API listen (<c>redundant-gateway.web</c>).</summary>
public sealed record WebSettings(string Hostname, int Port)
{
    /// <summary>
    /// The port browsers and the peer reach the web surface at (a proxy, NAT): what this node tells its peer, so the
    /// peer's redirects of HMI pages and its cross-origin allowance name it. <see cref="Port"/> unless set.
    /// </summary>
    public int PublicPort { get; init; }

    public int AdvertisedPort => PublicPort > 0 ? PublicPort : Port;

    public static WebSettings Create(SettingsReader gateway)
    {
        var web = gateway.Section("web");
        var publicPort = web.Int("public-port");
        if (publicPort != 0) web.CheckPort("public-port", publicPort);
        return new WebSettings(web.NonEmptyString("hostname"), web.Port("port")) { PublicPort = publicPort };
    }
}

/// <summary>Where the node link (Akka remoting) binds, and where the peer reaches it (<c>redundant-gateway.cluster</c>).</summary>
public sealed record ClusterSettings(string Hostname, int Port, string PublicHostname, int PublicPort)
{
    /// <summary>The address the peer reaches this node at.</summary>
    public NodeEndpoint PublicEndpoint => new(PublicHostname, PublicPort);

    public static ClusterSettings Create(SettingsReader gateway)
    {
        var cluster = gateway.Section("cluster");
        var host = cluster.NonEmptyString("hostname");
        var port = cluster.Port("port");
        var publicHost = cluster.String("public-hostname");
        var publicPort = cluster.Int("public-port");
        if (publicPort != 0) cluster.CheckPort("public-port", publicPort);
        // A wildcard is where to listen, not an address: the node would call itself akka.tcp://...@0.0.0.0, and the
        // peer's messages to the address it dials are dropped as "for a non-local recipient" (both nodes go active).
        if (IsWildcard(publicHost))
            throw cluster.Error("public-hostname", $"'{publicHost}' is not an address the peer can dial: set this machine's address (e.g. 10.0.0.1)");
        if (IsWildcard(host) && string.IsNullOrWhiteSpace(publicHost))
            throw cluster.Error("hostname", $"'{host}' listens on every interface but is no address the peer can dial: set this machine's address " +
                $"(e.g. 10.0.0.1), or keep '{host}' and set {cluster.Path}.public-hostname to that address");
        return new ClusterSettings(host, port,
            string.IsNullOrWhiteSpace(publicHost) ? host : publicHost,
            publicPort == 0 ? port : publicPort);
    }

    /// <summary>An address that means "every interface" (to bind), never one to dial.</summary>
    public static bool IsWildcard(string host) => host.Trim() is "0.0.0.0" or "::" or "[::]" or "*" or "+";
}
