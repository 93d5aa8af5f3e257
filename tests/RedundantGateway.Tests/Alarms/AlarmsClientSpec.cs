using System.Net;
using System.Text;
using System.Text.Json;
using RedundantGateway.Client;
using Xunit;

namespace RedundantGateway.Tests.Alarms;

/// <summary>The client's alarm calls: the routes and bodies they send, the answers they read back, refusals as exceptions.</summary>
public sealed class AlarmsClientSpec
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    private sealed class FakeNode(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public readonly List<string> Asked = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Asked.Add($"{request.Method} {request.RequestUri!.PathAndQuery}" +
                      (request.Content is null ? "" : " " + await request.Content.ReadAsStringAsync(cancellationToken)));
            return new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }

    private static AlarmInfo Sample() =>
        new("projects/demo/alarms/a1", "projects/demo/tags/t001", "high", "active", false, false, At, null, null, null, null, null,
            "above", "Demo/Tank 1/High", new AlarmTransitionInfo(At, 61.5), null, 61.5, "good", null, At);

    [Fact]
    public void Every_acknowledgement_of_the_activation_is_listed_after_the_fields_that_were_there_before()
    {
        var acked = Sample() with
        {
            Acked = true, AckedBy = "op-b", AckedAt = At, AckNote = "seen",
            Acks = [new AlarmAckInfo("op-b", At, "seen"), new AlarmAckInfo("op-m", At.AddSeconds(1), null)],
        };
        var json = JsonSerializer.Serialize(acked, ContractJson.Options);

        Assert.EndsWith("\"evaluatedAt\":\"2026-12-02T06:00:00+00:00\",\"acks\":[{\"by\":\"op-b\",\"at\":\"2026-12-02T06:00:00+00:00\",\"note\":\"seen\"},"
            + "{\"by\":\"op-m\",\"at\":\"2026-12-02T06:00:01+00:00\",\"note\":null}]}", json);
        var read = JsonSerializer.Deserialize<AlarmInfo>(json, ContractJson.Options)!;
        Assert.Equal(["op-b", "op-m"], read.Acks!.Select(a => a.By));
        // From a node that predates the field: no list.
        Assert.Null(JsonSerializer.Deserialize<AlarmInfo>(json[..json.IndexOf(",\"acks\"", StringComparison.Ordinal)] + "}", ContractJson.Options)!.Acks);
    }

    [Fact]
    public async Task The_alarm_list_round_trips_with_its_filters_in_the_query()
    {
        var sent = new AlarmListAnswer("active", [Sample()]);
        var json = JsonSerializer.Serialize(sent, ContractJson.Options);
        Assert.Contains("\"alarms\":[{\"id\":\"projects/demo/alarms/a1\",\"tag\":\"projects/demo/tags/t001\",\"priority\":\"high\",\"state\":\"active\",\"acked\":false,\"shelved\":false,\"activeSince\":\"2026-12-02T06:00:00+00:00\",\"ackedBy\":null", json);
        Assert.DoesNotContain("isActive", json);

        var node = new FakeNode(HttpStatusCode.OK, json);
        using var client = new GatewayClient(new HttpClient(node), new Uri("http://127.0.0.1:8088"));
        var read = await client.GetAlarmsAsync(state: "active", priority: "high", prefix: "projects/demo/");
        Assert.Equal("GET /api/alarms?state=active&priority=high&prefix=projects%2Fdemo%2F", Assert.Single(node.Asked));
        Assert.Equal(json, JsonSerializer.Serialize(read, ContractJson.Options));
        Assert.True(read.Alarms[0].IsActive);
    }

    [Fact]
    public async Task Commands_post_their_body_to_the_alarm_route()
    {
        var answer = JsonSerializer.Serialize(new AlarmCommandAnswer(true, "ok", Sample()), ContractJson.Options);
        var node = new FakeNode(HttpStatusCode.OK, answer);
        using var client = new GatewayClient(new HttpClient(node), new Uri("http://127.0.0.1:8088"));
        await client.AckAlarmAsync("projects/demo/alarms/a1", "op", "seen");
        await client.ShelveAlarmAsync("projects/demo/alarms/a1", "op", TimeSpan.FromMinutes(30));
        await client.UnshelveAlarmAsync("projects/demo/alarms/a1", "op");
        Assert.Equal([
            """POST /api/alarms/projects/demo/alarms/a1/ack {"by":"op","note":"seen"}""",
            """POST /api/alarms/projects/demo/alarms/a1/shelve {"by":"op","minutes":30,"until":null}""",
            """POST /api/alarms/projects/demo/alarms/a1/unshelve {"by":"op"}""",
        ], node.Asked);
    }

    [Fact]
    public async Task A_standby_s_refusal_is_a_gateway_exception_with_its_message()
    {
        const string message = "this node is warm: acknowledgements and shelves are taken only by the active node; nothing was changed here; the active node is at http://10.0.0.1:8088";
        var node = new FakeNode(HttpStatusCode.Conflict, JsonSerializer.Serialize(new ErrorBody(message), ContractJson.Options));
        using var client = new GatewayClient(new HttpClient(node), new Uri("http://127.0.0.1:8089"));
        var refused = await Assert.ThrowsAsync<GatewayException>(() => client.AckAlarmAsync("alarms/a", "op"));
        Assert.Equal(409, refused.StatusCode);
        Assert.Equal(message, refused.ServerMessage);
    }
}
