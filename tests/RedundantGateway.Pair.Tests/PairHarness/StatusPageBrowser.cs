using Microsoft.Playwright;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>
/// A headless Debian Chromium (/usr/bin/chromium, never a downloaded browser) driven by Playwright, for the status
/// page's and the HMI pages' tests: pages that record their console errors, and screenshots kept under the test output
/// (TestResults/screenshots). Disposing it closes the browser and its processes.
/// </summary>
public sealed class StatusPageBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static string ScreenshotDir { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private StatusPageBrowser(IPlaywright playwright, IBrowser browser) => (_playwright, _browser) = (playwright, browser);

    public static async Task<StatusPageBrowser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)");
        var playwright = await Playwright.CreateAsync();
        try
        {
            // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox", "--disable-gpu"],
            });
            return new StatusPageBrowser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Opens <paramref name="url"/> in a page of its own; its console errors and uncaught exceptions go to <paramref name="errors"/>.</summary>
    public async Task<IPage> OpenAsync(string url, List<string> errors, ViewportSize? viewport = null)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 1100 } });
        page.Console += (_, message) => { if (message.Type == "error") lock (errors) errors.Add($"console: {message.Text}"); };
        page.PageError += (_, error) => { lock (errors) errors.Add($"page error: {error}"); };
        await page.GotoAsync(url);
        return page;
    }

    /// <summary>Saves a full-page screenshot as <c>name</c>.png; returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDir);
        var path = Path.Combine(ScreenshotDir, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
