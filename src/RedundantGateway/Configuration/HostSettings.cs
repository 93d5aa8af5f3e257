namespace RedundantGateway.Configuration;

/// <summary>Where the status page and REST API listen (<c>redundant-gateway.web</c>).</summary>
public sealed record WebSettings(string Hostname, int Port)
{
    public static WebSettings Create(SettingsReader gateway)
    {
        var web = gateway.Section("web");
        return new WebSettings(web.NonEmptyString("hostname"), web.Port("port"));
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
        return new ClusterSettings(host, port,
            string.IsNullOrWhiteSpace(publicHost) ? host : publicHost,
            publicPort == 0 ? port : publicPort);
    }
}
