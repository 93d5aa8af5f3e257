using System.Globalization;

namespace RedundantGateway.Cli;

/// <summary>The node rgw talks to: "host:port" (or a full http:// address) as typed, and its web base address.</summary>
public sealed record NodeAddress(string Display, Uri BaseAddress)
{
    public static bool TryParse(string text, out NodeAddress address, out string error)
    {
        address = null!;
        error = "";
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || string.IsNullOrEmpty(uri.Host) || (uri.IsDefaultPort && !text.Contains("://", StringComparison.Ordinal) && !text.Contains(':')))
        {
            error = $"'{text}' is not a node address: give host:port, e.g. 127.0.0.1:8088";
            return false;
        }
        var baseUri = new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        address = new NodeAddress(text.Contains("://", StringComparison.Ordinal) ? text : $"{uri.Host}:{uri.Port.ToString(CultureInfo.InvariantCulture)}", baseUri);
        return true;
    }
}
