using Akka.Actor;
using Microsoft.AspNetCore.Diagnostics;
using RedundantGateway.Client;

namespace RedundantGateway.Node;

/// <summary>
/// Every error the web surface answers is JSON with one line (<see cref="ErrorBody"/>): the ones the endpoints write,
/// and here those the framework would answer with an empty body (404 for an unknown path, 405 for a wrong method,
/// 400 for a value that could not be bound) or a failure no endpoint caught.
/// </summary>
internal static class JsonErrors
{
    public static void UseJsonErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = async http =>
            {
                var failure = http.Features.Get<IExceptionHandlerFeature>()?.Error;
                var (status, message) = Describe(failure);
                await NodeWeb.Json(new ErrorBody(message), status).ExecuteAsync(http);
            },
            // A busy node (an ask that timed out) is an expected condition: its one-line answer is enough, no stack trace in the log.
            SuppressDiagnosticsCallback = context => context.Exception is AskTimeoutException or TaskCanceledException,
        });
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var message = ForStatus(http.Response.StatusCode, http.Request.Method, http.Request.Path);
            await NodeWeb.Json(new ErrorBody(message), http.Response.StatusCode).ExecuteAsync(http);
        });
    }

    /// <summary>The one line of an empty-bodied error status.</summary>
    public static string ForStatus(int status, string method, string path) => status switch
    {
        StatusCodes.Status404NotFound => $"no such endpoint: {method} {path}",
        StatusCodes.Status405MethodNotAllowed => $"{method} is not allowed on {path}",
        StatusCodes.Status400BadRequest => $"bad request to {method} {path}: a query value or the body could not be read",
        StatusCodes.Status415UnsupportedMediaType => $"unsupported content type for {method} {path}",
        _ => $"{method} {path} answered {status}",
    };

    /// <summary>A failure no endpoint caught: an actor that did not answer in time is the node being busy, not a bug.</summary>
    private static (int Status, string Message) Describe(Exception? failure) => failure switch
    {
        AskTimeoutException or TaskCanceledException =>
            (StatusCodes.Status503ServiceUnavailable, "the node did not answer in time (starting, restarting or busy); try again shortly"),
        BadHttpRequestException bad => (bad.StatusCode, OneLine(bad.Message)),
        null => (StatusCodes.Status500InternalServerError, "internal error"),
        _ => (StatusCodes.Status500InternalServerError, $"internal error: {OneLine(failure.Message)}"),
    };

    private static string OneLine(string text) => text.Split('\n', 2)[0].Trim();
}
