using RedundantGateway.Node.StatusPage;
using Xunit;

namespace RedundantGateway.Tests.Node;

/// <summary>The peer's pages (status, HMI) may read this node's status, events, level and tag stream cross-origin, and nothing else.</summary>
public sealed class PeerCorsRulesSpec
{
    private const string Peer = "http://127.0.0.1:8088";

    [Theory]
    [InlineData("GET", "/api/redundancy")]
    [InlineData("GET", "/api/redundancy/events")]
    [InlineData("GET", "/api/redundancy/events/")]
    [InlineData("OPTIONS", "/api/redundancy/events")]
    [InlineData("GET", "/system/gwinfo")]
    [InlineData("GET", "/api/tags/stream")]
    [InlineData("OPTIONS", "/api/tags/stream")]
    public void The_peers_origin_may_read_the_status_the_events_the_level_and_the_tag_stream(string method, string path) =>
        Assert.Equal(Peer, PeerCorsRules.AllowedOrigin(method, path, Peer, Peer + "/"));

    [Fact]
    public void An_origin_written_without_its_default_port_is_the_same_origin() =>
        Assert.Equal("http://gw-b", PeerCorsRules.AllowedOrigin("GET", "/api/redundancy", "http://gw-b", "http://gw-b:80"));

    [Theory]
    [InlineData("POST", "/api/redundancy/failover", Peer)]
    [InlineData("POST", "/api/redundancy/resync", Peer)]
    [InlineData("GET", "/api/config", Peer)]
    [InlineData("GET", "/metrics", Peer)]
    [InlineData("GET", "/api/tags", Peer)]
    [InlineData("POST", "/api/alarms/projects/demo/alarms/a01/ack", Peer)]
    [InlineData("GET", "/system/gwinfo", "http://evil.example:8088")]
    [InlineData("GET", "/api/redundancy", "http://127.0.0.1:9999")]
    [InlineData("GET", "/api/redundancy", "http://evil.example:8088")]
    [InlineData("GET", "/api/redundancy", "null")]
    [InlineData("GET", "/api/redundancy", "")]
    public void Anything_else_gets_no_cors_headers(string method, string path, string origin) =>
        Assert.Null(PeerCorsRules.AllowedOrigin(method, path, origin, Peer));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not an address")]
    public void Without_a_known_peer_address_nothing_is_shared(string? peer) =>
        Assert.Null(PeerCorsRules.AllowedOrigin("GET", "/api/redundancy", Peer, peer));
}
