// A stand-in for a larger host that embeds one node of the pair: a generic web host whose actor system gets the
// pair's actors through WithRedundantGateway and nothing else. It serves GET /api/redundancy with the fields the
// pair tests read, from the coordinator it finds in the ActorRegistry. Usage: --config FILE (a node's HOCON).
using Akka.Actor;
using Akka.Hosting;
using RedundantGateway;
using RedundantGateway.Client;
using RedundantGateway.Configuration;
using RedundantGateway.Hosting;
using RedundantGateway.Redundancy;
using RedundantGateway.Runtime;
using RedundantGateway.Tags;

if (args.Length != 2 || args[0] != "--config")
{
    Console.Error.WriteLine("usage: RedundantGateway.EmbeddedHost --config FILE");
    return 2;
}
var config = GatewayConfig.LoadFiles([args[1]]);
var settings = GatewaySettings.Create(config, args[1]);

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.UseUrls($"http://{settings.Web.Hostname}:{settings.Web.Port}");
// The web requests of the polling tests would drown the pair's own log lines.
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
// The host's own subsystem and tag provider: WithRedundantGateway finds both in the services.
builder.Services.AddSingleton<IRuntimeSubsystem>(new ActivityRecorder("embedded"));
var plant = new PlantTagProvider();
builder.Services.AddSingleton<ITagProvider>(plant);
builder.Services.AddAkka(RedundancyPaths.SystemName, akka => akka.WithRedundantGateway(settings, config));
// The host's own rgw palette (AddCliPalette): a command over the host's own route, run by rgw with no new release.
builder.Services.AddCliPalette(new CliPalette("plant", "the embedding host's plant",
[
    new CliCommand("status", "the embedded node's level and the plant provider", "GET", "api/redundancy", [],
        new CliOutput(Items: "subsystems", Columns: ["name", "level"], CountLabel: "subsystems")),
]));

var app = builder.Build();
app.MapGet("/api/redundancy", async (ActorRegistry registry) =>
{
    if (!registry.TryGet<RedundancyCoordinatorKey>(out var coordinator)) return Results.StatusCode(503);
    var status = await coordinator.Ask<RedundancyStatus>(GetRedundancyStatus.Instance, TimeSpan.FromSeconds(3));
    var tags = registry.TryGet<TagEngineKey>(out var engine)
        ? await engine.Ask<TagEngineStatus>(GetTagEngineStatus.Instance, TimeSpan.FromSeconds(3))
        : null;
    return Results.Json(new
    {
        nodeName = status.NodeName,
        role = status.Role.ToString().ToLowerInvariant(),
        activityLevel = status.Level.ToString().ToLowerInvariant(),
        peerConnected = status.PeerConnected,
        epoch = status.Epoch,
        activeNode = status.ActiveNodeName,
        softRestarts = 0,
        subsystems = status.Subsystems,
        tagProviders = tags?.Providers,
        plantProviderRunning = plant.Running,
    });
});
app.MapGet("/api/cli/palettes", (IServiceProvider services) =>
    Results.Json(new CliPaletteList(settings.NodeName, "embedded", CliPaletteRegistration.Palettes(services))));
await app.RunAsync();
return 0;

/// <summary>The host's own provider (a stand-in for a device driver): the engine starts it when the node runs tags.</summary>
internal sealed class PlantTagProvider : ITagProvider
{
    private volatile bool _running;

    public string Name => "plant";

    public bool Running => _running;

    public void Start() => _running = true;

    public void Stop() => _running = false;

    public TagReading Read(TagDefinition definition, DateTimeOffset now) => new(42.0, TagQuality.Good, now);
}
