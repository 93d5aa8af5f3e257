namespace RedundantGateway.Client;

// The palettes a node publishes for the rgw command line (GET /api/cli/palettes), in the manner of Petabridge.Cmd:
// the node describes its commands and the REST call each one makes; the CLI builds its parser, its help and its
// completions from them, so a host that registers a palette of its own needs no new CLI release.
// A client reads these records tolerantly: fields it does not know are ignored (ContractJson's default).

/// <summary>GET /api/cli/palettes: the node that answered and its palettes.</summary>
public sealed record CliPaletteList(string NodeName, string Version, IReadOnlyList<CliPalette> Palettes);

/// <summary>A named group of commands, e.g. <c>redundancy</c> with <c>status</c>, <c>failover</c>, <c>resync</c>.</summary>
public sealed record CliPalette(string Name, string Description, IReadOnlyList<CliCommand> Commands);

/// <summary>One command and the REST call it makes.</summary>
/// <param name="Method">GET, POST, PUT or DELETE.</param>
/// <param name="Route">relative to the node's base address; <c>{name}</c> is replaced by the argument of that name
/// (as given: config paths keep their slashes), <c>{name?}</c> is left out with the '/' before it when not given.</param>
/// <param name="Mode">see <see cref="CliModes"/>.</param>
public sealed record CliCommand(
    string Name,
    string Description,
    string Method,
    string Route,
    IReadOnlyList<CliArgument> Arguments,
    CliOutput? Output = null,
    string Mode = CliModes.Request);

/// <summary>One argument: a long switch <c>--Name</c>, an optional short one <c>-Short</c>, and where it goes in the call.</summary>
/// <param name="Place">see <see cref="CliPlaces"/>.</param>
/// <param name="Positional">may also be given without its switch, in the order of the command's positional arguments.</param>
/// <param name="Field">the query parameter or body field when it differs from <paramref name="Name"/>.</param>
/// <param name="Type">see <see cref="CliValueTypes"/> (body fields only).</param>
/// <param name="Flag">a switch without a value (true when present).</param>
public sealed record CliArgument(
    string Name,
    string? Short,
    string Description,
    string Place,
    bool Required = false,
    bool Positional = false,
    string? Default = null,
    string? Field = null,
    string Type = CliValueTypes.String,
    bool Flag = false);

/// <summary>How a command's answer is shown as text (<c>--json</c> prints it as the node sent it).</summary>
/// <param name="Items">the field holding the rows of a table ("" : the answer is the array); absent or not an array: the
/// answer is shown as aligned key/value lines.</param>
/// <param name="Columns">the table's columns (default: the scalar fields of the first row); unknown names show '-'.</param>
/// <param name="CountLabel">a last line "N label" under a table, e.g. "members".</param>
/// <param name="Key">poll mode: the fields that tell one row from another (comma separated; default: the whole row).</param>
/// <param name="Watch">transfer mode: the status route polled until the transfer and the restart are done.</param>
public sealed record CliOutput(
    string? Items = null,
    IReadOnlyList<string>? Columns = null,
    string? CountLabel = null,
    string? Key = null,
    string? Watch = null);

/// <summary>How the CLI runs a command.</summary>
public static class CliModes
{
    /// <summary>One call, one answer.</summary>
    public const string Request = "request";
    /// <summary>Repeats the call every second and prints the rows not seen before, oldest first, until Ctrl+C.</summary>
    public const string Poll = "poll";
    /// <summary>Reads a Server-Sent Events answer and prints each event until the node ends it or Ctrl+C.</summary>
    public const string Stream = "stream";
    /// <summary>Starts a configuration transfer, then follows <see cref="CliOutput.Watch"/> with a progress bar until done.</summary>
    public const string Transfer = "transfer";
}

/// <summary>Where an argument goes in the REST call.</summary>
public static class CliPlaces
{
    public const string Route = "route";
    public const string Query = "query";
    /// <summary>A field of the JSON object sent as the body.</summary>
    public const string Body = "body";
    /// <summary>The body itself: a JSON value given as text (a bare word is sent as a JSON string).</summary>
    public const string Json = "json";
    /// <summary>Read by the CLI itself (e.g. how long to follow a transfer), never sent.</summary>
    public const string Local = "local";
}

/// <summary>The JSON type of a body field.</summary>
public static class CliValueTypes
{
    public const string String = "string";
    public const string Number = "number";
    public const string Boolean = "boolean";
}
