using Microsoft.Extensions.DependencyInjection;
using RedundantGateway.Client;

namespace RedundantGateway.Hosting;

/// <summary>
/// How a host adds commands to the <c>rgw</c> command line: it registers a <see cref="CliPalette"/> (names,
/// arguments and the REST route of each command, usually routes of the host's own web surface) in its services, as
/// it registers an <c>ITagProvider</c>; the host's GET /api/cli/palettes publishes every registered palette
/// (<see cref="Palettes"/>), and rgw shows and runs them without a new release.
/// </summary>
public static class CliPaletteRegistration
{
    public static IServiceCollection AddCliPalette(this IServiceCollection services, CliPalette palette)
    {
        ArgumentNullException.ThrowIfNull(palette);
        if (string.IsNullOrWhiteSpace(palette.Name) || palette.Name.Contains(' '))
            throw new ArgumentException($"a palette name is one word, not '{palette.Name}'", nameof(palette));
        return services.AddSingleton(palette);
    }

    /// <summary>Every registered palette, in registration order; a later palette of the same name replaces an earlier one.</summary>
    public static IReadOnlyList<CliPalette> Palettes(IServiceProvider services)
    {
        var byName = new Dictionary<string, CliPalette>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var palette in services.GetServices<CliPalette>())
        {
            if (!byName.ContainsKey(palette.Name)) order.Add(palette.Name);
            byName[palette.Name] = palette;
        }
        return order.Select(name => byName[name]).ToList();
    }
}
