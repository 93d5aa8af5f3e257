using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RedundantGateway.Client;

namespace RedundantGateway.Cli;

/// <summary>The REST call of an invocation: its route with the route arguments, the query, and the JSON body.</summary>
public static class RequestBuilder
{
    public static HttpRequestMessage Build(Invocation invocation, string? token, IReadOnlyDictionary<string, string>? overrideQuery = null)
    {
        var command = invocation.Command;
        var request = new HttpRequestMessage(new HttpMethod(command.Method.ToUpperInvariant()), RelativeUri(invocation, overrideQuery));
        if (!string.IsNullOrEmpty(token)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (Body(invocation) is { } body) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return request;
    }

    /// <summary>The route with its {arguments} filled in, and the query arguments (overridden or added by <paramref name="overrideQuery"/>).</summary>
    public static string RelativeUri(Invocation invocation, IReadOnlyDictionary<string, string>? overrideQuery = null)
    {
        var route = invocation.Command.Route;
        foreach (var argument in invocation.Command.Arguments.Where(a => a.Place == CliPlaces.Route))
        {
            invocation.Values.TryGetValue(argument.Name, out var value);
            // Route values go in as given: config paths keep their '/', and the node judges a bad path (its 400).
            var text = value?.TrimStart('/') ?? "";
            route = string.IsNullOrEmpty(text)
                ? route.Replace("/{" + argument.Name + "?}", "", StringComparison.Ordinal).Replace("{" + argument.Name + "?}", "", StringComparison.Ordinal)
                : route.Replace("{" + argument.Name + "?}", text, StringComparison.Ordinal).Replace("{" + argument.Name + "}", text, StringComparison.Ordinal);
        }
        var query = new List<KeyValuePair<string, string>>();
        foreach (var argument in invocation.Command.Arguments.Where(a => a.Place == CliPlaces.Query))
            if (invocation.Values.TryGetValue(argument.Name, out var value)) query.Add(new(argument.Field ?? argument.Name, value));
        if (overrideQuery is not null)
            foreach (var (key, value) in overrideQuery)
            {
                query.RemoveAll(q => q.Key == key);
                query.Add(new(key, value));
            }
        return query.Count == 0 ? route : route + "?" + string.Join('&', query.Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
    }

    /// <summary>The body: the json argument's value, else an object of the body arguments, else none.</summary>
    public static string? Body(Invocation invocation)
    {
        var arguments = invocation.Command.Arguments;
        if (arguments.FirstOrDefault(a => a.Place == CliPlaces.Json) is { } raw && invocation.Values.TryGetValue(raw.Name, out var json))
            return AsJsonValue(json);
        var fields = arguments.Where(a => a.Place == CliPlaces.Body && invocation.Values.ContainsKey(a.Name)).ToList();
        if (fields.Count == 0) return invocation.Command.Method.Equals("GET", StringComparison.OrdinalIgnoreCase) ? null : arguments.Any(a => a.Place == CliPlaces.Body) ? "{}" : null;
        var body = new JsonObject();
        foreach (var field in fields) body[field.Field ?? field.Name] = Typed(field, invocation.Values[field.Name]);
        return body.ToJsonString();
    }

    /// <summary>Text that parses as JSON is sent as that value; anything else (a bare word) as a JSON string.</summary>
    public static string AsJsonValue(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.GetRawText();
        }
        catch (JsonException)
        {
            return JsonSerializer.Serialize(text);
        }
    }

    private static JsonNode? Typed(CliArgument field, string value) => field.Type switch
    {
        CliValueTypes.Number when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
        CliValueTypes.Number => throw new CliFailure(ExitCodes.Usage, $"--{field.Name} must be a number, not '{value}'"),
        CliValueTypes.Boolean when bool.TryParse(value, out var flag) => JsonValue.Create(flag),
        CliValueTypes.Boolean => throw new CliFailure(ExitCodes.Usage, $"--{field.Name} must be true or false, not '{value}'"),
        _ => JsonValue.Create(value),
    };
}
