using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HaCore.ConnectorPool;

/// <summary>
/// The connector's command endpoint (<c>POST /api/command</c>, JSON <see cref="ConnectorCommand"/>): the leader's
/// commands to this connector. It listens on 127.0.0.1 (a free port) and announces its address and a random key in the
/// connector's <c>ConnectorUp</c> endpoint, so that the nodes, which read it from the replicated state, can present the
/// key (<see cref="ConnectorProtocol.CommandKeyHeader"/>); a request without it gets 401. A command refused for its
/// stale term is answered 409, every other answer 200.
/// </summary>
public static class CommandListener
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Starts the endpoint for <paramref name="connector"/> and sets its <see cref="Connector.CommandEndpoint"/>.</summary>
    /// <param name="connector">The connector (not started yet: its ConnectorUp then announces the endpoint).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running endpoint (dispose it to stop).</returns>
    public static async Task<WebApplication> StartAsync(Connector connector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connector);
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var builder = WebApplication.CreateSlimBuilder([]);
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = 16 * 1024;
        });
        var app = builder.Build();
        app.MapPost(ConnectorProtocol.CommandPath, async (HttpContext context) =>
        {
            var presented = Encoding.UTF8.GetBytes(context.Request.Headers[ConnectorProtocol.CommandKeyHeader].ToString());
            if (!CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(key)))
            {
                return Results.Json(new { error = "the connector key is missing or wrong" }, statusCode: StatusCodes.Status401Unauthorized);
            }

            ConnectorCommand? command;
            try
            {
                command = await context.Request.ReadFromJsonAsync<ConnectorCommand>(Json, context.RequestAborted).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                command = null;
            }

            if (command is null || command.Decision.Length == 0)
            {
                return Results.Json(new { error = "the body is not a command" }, statusCode: StatusCodes.Status400BadRequest);
            }

            try
            {
                var answer = await connector.HandleCommandAsync(command, context.RequestAborted).ConfigureAwait(false);
                return Results.Json(answer, Json, statusCode: answer.Outcome == "stale-term" ? StatusCodes.Status409Conflict : StatusCodes.Status200OK);
            }
            catch (Exception ex) when (ex is TimeoutException or ConnectorRequestRefusedException)
            {
                return Results.Json(new ConnectorCommandAnswer("failed", connector.HighestTerm, ex.Message), Json, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        connector.CommandEndpoint = ConnectorProtocol.Endpoint(new Uri(app.Urls.First()), key);
        return app;
    }
}
