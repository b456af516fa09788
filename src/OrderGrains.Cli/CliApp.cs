using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Cli;

/// <summary>The `ordergrains` command: one sub-command per RPC, replies printed as JSON.</summary>
public static class CliApp
{
    public const int ExitOk = 0;
    public const int ExitRpcError = 1;
    public const int ExitUsage = 2;

    private const string Usage = """
        usage: ordergrains [--target http://127.0.0.1:7070] [--timeout 10] [--token T | --token-file F] [--ca CA.pem] <command> [options]

          warehouse upsert --id W --name NAME --lat DEG --lon DEG [--inactive]
          stock set        --warehouse W --sku SKU --on-hand N [--sync-id ID]
          stock get        --sku SKU
          customer upsert  --id C [--name NAME] [--tier TIER] [--credit-limit MINOR] [--terms NET_30] [--blocked]
          campaign upsert  --id X --sku SKU --price MINOR --quota N [--per-customer N] [--starts ISO] [--ends ISO]
          order place      --channel CH --external-id ID --customer C --line SKU:QTY:UNIT_PRICE_MINOR [--line ...]
                           [--currency EUR] [--lat DEG --lon DEG] [--recipient NAME] [--campaign X]
          order get        --id ORDER_ID
          order watch      --id ORDER_ID
          order pay        --id ORDER_ID --amount MINOR [--reference REF]
          order cancel     --id ORDER_ID [--reason TEXT]

        The target may also come from ORDERGRAINS_TARGET, https:// for a host with TLS (--ca or ORDERGRAINS_CA: the PEM
        file of a private CA that signed its certificate). The caller token comes from --token, ORDERGRAINS_TOKEN,
        --token-file, or else data/caller-token, the token a host started here with no callers configured generates
        (--data-dir names another data directory). Exit codes: 0 ok, 1 the server returned an error, 2 usage.
        """;

    private static readonly HashSet<string> Flags = ["inactive", "blocked", "help"];
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            var cli = CliArguments.Parse(args, Flags);
            if (cli.Flag("help") || cli.Words.Count < 2)
            {
                await output.WriteLineAsync(Usage);
                return cli.Flag("help") ? ExitOk : ExitUsage;
            }

            var target = cli.Optional("target") ?? Environment.GetEnvironmentVariable("ORDERGRAINS_TARGET") ?? "http://127.0.0.1:7070";
            if (!Uri.TryCreate(target, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
            {
                throw new CliUsageException($"--target must be an http:// or https:// address such as http://127.0.0.1:7070 (got '{target}').");
            }

            var timeout = TimeSpan.FromSeconds(cli.Double("timeout", 10));
            var ca = cli.Optional("ca") ?? Environment.GetEnvironmentVariable("ORDERGRAINS_CA");
            if (ca is not null && !File.Exists(ca))
            {
                throw new CliUsageException($"--ca names '{ca}', which does not exist; give the PEM file of the CA that signed the server's certificate.");
            }

            using var client = new OrderGrainsClient(address, new OrderGrainsClientOptions { Token = Token(cli), CertificateAuthorityPath = ca });
            var call = OrderGrainsClient.Timeout(timeout);
            switch ($"{cli.Words[0]} {cli.Words[1]}")
            {
                case "warehouse upsert":
                    await Print(output, await client.UpsertWarehouseAsync(new Warehouse
                    {
                        WarehouseId = cli.Required("id"),
                        Name = cli.Optional("name") ?? cli.Required("id"),
                        Latitude = cli.Double("lat"),
                        Longitude = cli.Double("lon"),
                        Active = !cli.Flag("inactive"),
                    }, Checked(cli, call)));
                    break;
                case "stock set":
                    await Print(output, await client.SetStockAsync(new SetStockRequest
                    {
                        WarehouseId = cli.Required("warehouse"),
                        Sku = cli.Required("sku"),
                        OnHand = cli.Int("on-hand"),
                        SyncId = cli.Optional("sync-id") ?? Guid.NewGuid().ToString("N"),
                    }, Checked(cli, call)));
                    break;
                case "stock get":
                    await Print(output, await client.GetAvailabilityAsync(cli.Required("sku"), Checked(cli, call)));
                    break;
                case "customer upsert":
                    await Print(output, await client.UpsertCustomerAsync(new Customer
                    {
                        CustomerId = cli.Required("id"),
                        Name = cli.Optional("name") ?? string.Empty,
                        Tier = cli.Optional("tier") ?? string.Empty,
                        CreditLimitMinor = cli.Long("credit-limit", 0),
                        Blocked = cli.Flag("blocked"),
                        PaymentTerms = cli.Optional("terms") ?? string.Empty,
                    }, Checked(cli, call)));
                    break;
                case "campaign upsert":
                    await Print(output, await client.UpsertCampaignAsync(Campaign(cli), Checked(cli, call)));
                    break;
                case "order place":
                    await Print(output, await client.PlaceOrderAsync(PlaceOrder(cli), Checked(cli, call)));
                    break;
                case "order get":
                    await Print(output, await client.GetOrderAsync(cli.Required("id"), Checked(cli, call)));
                    break;
                case "order pay":
                    await Print(output, await client.ConfirmPaymentAsync(new ConfirmPaymentRequest
                    {
                        OrderId = cli.Required("id"),
                        AmountMinor = cli.Long("amount"),
                        PaymentReference = cli.Optional("reference") ?? Guid.NewGuid().ToString("N"),
                    }, Checked(cli, call)));
                    break;
                case "order cancel":
                    await Print(output, await client.CancelOrderAsync(new CancelOrderRequest
                    {
                        OrderId = cli.Required("id"),
                        Reason = cli.Optional("reason") ?? "cancelled from the command line",
                    }, Checked(cli, call)));
                    break;
                case "order watch":
                    var id = cli.Required("id");
                    cli.RejectUnknown();
                    await foreach (var order in client.WatchOrderAsync(id, OrderGrainsClient.Timeout(TimeSpan.FromHours(1))))
                    {
                        await Print(output, order);
                    }

                    break;
                default:
                    throw new CliUsageException($"Unknown command '{cli.Words[0]} {cli.Words[1]}'.");
            }

            return ExitOk;
        }
        catch (CliUsageException exception)
        {
            await errors.WriteLineAsync(exception.Message);
            await errors.WriteLineAsync(Usage);
            return ExitUsage;
        }
        catch (RpcException exception) when (exception.Status.DebugException is HttpRequestException unreachable)
        {
            await errors.WriteLineAsync($"Cannot reach the server: {unreachable.Message}. Is it running (dotnet run --project src/OrderGrains.Host)?");
            return ExitRpcError;
        }
        catch (RpcException exception)
        {
            await errors.WriteLineAsync($"{exception.StatusCode}: {exception.Status.Detail}");
            return ExitRpcError;
        }
    }

    /// <summary>The caller token: given, from the environment, from a file, or the one a local host generated.</summary>
    private static string? Token(CliArguments cli)
    {
        if ((cli.Optional("token") ?? Environment.GetEnvironmentVariable("ORDERGRAINS_TOKEN")) is { Length: > 0 } token)
        {
            return token;
        }

        var file = cli.Optional("token-file");
        var generated = Path.Combine(cli.Optional("data-dir") ?? "data", "caller-token");
        if (file is not null && !File.Exists(file))
        {
            throw new CliUsageException($"--token-file names '{file}', which does not exist.");
        }

        var path = file ?? generated;
        // Without a token the server answers UNAUTHENTICATED, which says what to send.
        return File.Exists(path) ? OrderGrainsClientOptions.ReadTokenFile(path) : null;
    }

    private static CallOptions Checked(CliArguments cli, CallOptions call)
    {
        cli.RejectUnknown();
        return call;
    }

    private static PlaceOrderRequest PlaceOrder(CliArguments cli)
    {
        var request = new PlaceOrderRequest
        {
            Channel = cli.Required("channel"),
            ExternalOrderId = cli.Required("external-id"),
            CustomerId = cli.Required("customer"),
            Currency = cli.Optional("currency") ?? "EUR",
            CampaignId = cli.Optional("campaign") ?? string.Empty,
            ShipTo = new Address
            {
                Recipient = cli.Optional("recipient") ?? string.Empty,
                Latitude = cli.Double("lat", 0),
                Longitude = cli.Double("lon", 0),
            },
        };
        foreach (var line in cli.All("line"))
        {
            var parts = line.Split(':');
            if (parts.Length != 3
                || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var quantity)
                || !long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var price))
            {
                throw new CliUsageException($"--line must be SKU:QTY:UNIT_PRICE_MINOR (got '{line}').");
            }

            request.Lines.Add(new OrderLine { Sku = parts[0], Quantity = quantity, UnitPriceMinor = price });
        }

        return request;
    }

    private static Campaign Campaign(CliArguments cli)
    {
        var campaign = new Campaign
        {
            CampaignId = cli.Required("id"),
            Sku = cli.Required("sku"),
            PriceMinor = cli.Long("price"),
            Quota = cli.Int("quota"),
            PerCustomerLimit = cli.Int("per-customer", 0),
        };
        if (cli.Optional("starts") is { } starts)
        {
            campaign.StartsAt = Timestamp.FromDateTimeOffset(ParseTime("starts", starts));
        }

        if (cli.Optional("ends") is { } ends)
        {
            campaign.EndsAt = Timestamp.FromDateTimeOffset(ParseTime("ends", ends));
        }

        return campaign;
    }

    private static DateTimeOffset ParseTime(string name, string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new CliUsageException($"--{name} must be an ISO 8601 time such as 2026-11-22T10:00:00Z (got '{text}').");

    private static Task Print(TextWriter output, IMessage message) => output.WriteLineAsync(Json.Format(message));
}
