using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.ReadModel;
using OrderGrains.Storage;

namespace OrderGrains.Host.Admin;

/// <summary>
/// Questions over many orders, answered from the read model's table only (never a grain): search with cursor paging,
/// counts per status and channel, figures per channel and day (JSON and CSV), and the projection's lag.
/// </summary>
internal static class AdminReadModelEndpoints
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;
    public const int DefaultReportDays = 30;
    public const int MaxReportDays = 366;

    public static RouteGroupBuilder MapReadModel(this RouteGroupBuilder admin)
    {
        admin.MapGet("/orders", SearchAsync).Produces<OrderSearchView>().ProducesProblem(400)
            .WithSummary("Orders from the read model, newest first (created at, then order id), filtered by status, channel, customer, sku, createdFrom/createdTo and holdReason; limit 1-500 (50), cursor = nextCursor of the previous page.");
        admin.MapGet("/read-model", LagAsync).Produces<ReadModelLagReport>()
            .WithSummary("The read model's lag: per partition the projection's checkpoint, the stream's head, the backlog and the age of the oldest unprojected event.");
        admin.MapGet("/read-model/counts", CountsAsync).Produces<OrderCountsView>().ProducesProblem(400)
            .WithSummary("Orders per status and per channel, optionally created within createdFrom/createdTo.");
        admin.MapGet("/read-model/channels", ChannelsAsync).Produces<ChannelFiguresView>().ProducesProblem(400)
            .WithSummary("Per channel, UTC day of creation and currency: orders, units, revenue (minor units), cancellation and return rates; from/to are days (yyyy-MM-dd, inclusive, at most 366; the last 30 by default), channel filters.");
        admin.MapGet("/read-model/channels.csv", ChannelsCsvAsync).Produces(200, contentType: "text/csv").ProducesProblem(400)
            .WithSummary("The same figures as /admin/read-model/channels, as an RFC 4180 CSV download.");
        return admin;
    }

    private static async Task<IResult> SearchAsync(
        IOrderReadStore store,
        HttpContext context,
        string? status,
        string? channel,
        string? customer,
        string? sku,
        string? createdFrom,
        string? createdTo,
        string? holdReason,
        string? limit,
        string? cursor)
    {
        var (from, to) = CreatedRange(createdFrom, createdTo);
        OrderCursor? after = null;
        if (!string.IsNullOrEmpty(cursor) && (!OrderCursor.TryDecode(cursor, out after) || after is null))
        {
            throw new DomainValidationException("cursor", "is not a cursor this API returned (use nextCursor of the previous page)");
        }

        var query = new OrderQuery(
            ParseEnum<OrderStatus>(status, "status"),
            Filter(channel),
            Filter(customer),
            Filter(sku),
            from,
            to,
            ParseEnum<HoldReason>(holdReason, "holdReason"),
            ParseLimit(limit),
            after);
        var page = await store.SearchAsync(query, context.RequestAborted);
        return Results.Json(new OrderSearchView([.. page.Orders.Select(OrderRowView.Of)], page.Next?.Encode()), AdminEndpoints.Json);
    }

    private static async Task<IResult> LagAsync(IOutboxStore outbox, TimeProvider clock, IOptions<ReadModelOptions> options, HttpContext context) =>
        Results.Json(await ReadModelLag.ReadAsync(outbox, clock.GetUtcNow(), options.Value.LagAlertThreshold, context.RequestAborted), AdminEndpoints.Json);

    private static async Task<IResult> CountsAsync(IOrderReadStore store, HttpContext context, string? createdFrom, string? createdTo)
    {
        var (from, to) = CreatedRange(createdFrom, createdTo);
        var counts = await store.CountAsync(from, to, context.RequestAborted);
        return Results.Json(
            new OrderCountsView(counts.Total, counts.ByStatus.ToDictionary(p => p.Key.ToString(), p => p.Value, StringComparer.Ordinal), counts.ByChannel),
            AdminEndpoints.Json);
    }

    private static async Task<IResult> ChannelsAsync(IOrderReadStore store, TimeProvider clock, HttpContext context, string? from, string? to, string? channel)
    {
        var (first, last) = ReportDays(from, to, clock);
        var figures = await store.ChannelFiguresAsync(Start(first), Start(last.AddDays(1)), Filter(channel), context.RequestAborted);
        return Results.Json(new ChannelFiguresView(first, last, [.. figures.Select(ChannelDayView.Of)]), AdminEndpoints.Json);
    }

    private static async Task<IResult> ChannelsCsvAsync(IOrderReadStore store, TimeProvider clock, HttpContext context, string? from, string? to, string? channel)
    {
        var (first, last) = ReportDays(from, to, clock);
        var figures = await store.ChannelFiguresAsync(Start(first), Start(last.AddDays(1)), Filter(channel), context.RequestAborted);
        var csv = ChannelFiguresCsv.Write(figures);
        var name = $"channel-figures-{first:yyyy-MM-dd}-{last:yyyy-MM-dd}.csv";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        return Results.Text(csv, "text/csv; charset=utf-8", Encoding.UTF8);
    }

    private static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    internal static string? Filter(string? value) => string.IsNullOrEmpty(value) ? null : value;

    internal static int ParseLimit(string? limit)
    {
        if (string.IsNullOrEmpty(limit))
        {
            return DefaultPageSize;
        }

        return int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= MaxPageSize
            ? value
            : throw new DomainValidationException("limit", $"'{limit}' is not a whole number from 1 to {MaxPageSize}");
    }

    // Accepts the names as the API writes them (OnHold) and as the wire does (ON_HOLD), never numbers.
    internal static TEnum? ParseEnum<TEnum>(string? value, string parameter)
        where TEnum : struct, Enum
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var name = value.Replace("_", string.Empty, StringComparison.Ordinal);
        if (name.Length > 0 && char.IsLetter(name[0]) && Enum.TryParse<TEnum>(name, ignoreCase: true, out var parsed) && Convert.ToInt32(parsed, CultureInfo.InvariantCulture) != 0)
        {
            return parsed;
        }

        var names = string.Join(", ", Enum.GetNames<TEnum>().Where(n => n != "Unspecified"));
        throw new DomainValidationException(parameter, $"'{value}' is not one of {names}");
    }

    private static (DateTimeOffset? From, DateTimeOffset? To) CreatedRange(string? createdFrom, string? createdTo)
    {
        var from = ParseTime(createdFrom, "createdFrom");
        var to = ParseTime(createdTo, "createdTo");
        if (from is { } f && to is { } t && t <= f)
        {
            throw new DomainValidationException("createdTo", $"must be after createdFrom ({f:O})");
        }

        return (from, to);
    }

    private static DateTimeOffset? ParseTime(string? value, string parameter)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : throw new DomainValidationException(parameter, $"'{value}' is not a time (ISO 8601, e.g. 2026-12-03T00:00:00Z)");
    }

    private static (DateOnly First, DateOnly Last) ReportDays(string? from, string? to, TimeProvider clock)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var last = ParseDay(to, "to") ?? today;
        var first = ParseDay(from, "from") ?? last.AddDays(-(DefaultReportDays - 1));
        if (last < first)
        {
            throw new DomainValidationException("to", $"{last:yyyy-MM-dd} is before from ({first:yyyy-MM-dd})");
        }

        if (last.DayNumber - first.DayNumber + 1 > MaxReportDays)
        {
            throw new DomainValidationException("from", $"the range {first:yyyy-MM-dd} to {last:yyyy-MM-dd} is longer than {MaxReportDays} days");
        }

        return (first, last);
    }

    private static DateOnly? ParseDay(string? value, string parameter)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw new DomainValidationException(parameter, $"'{value}' is not a day (yyyy-MM-dd)");
    }
}

/// <summary>One page of the order search; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record OrderSearchView(IReadOnlyList<OrderRowView> Orders, string? NextCursor);

/// <summary>An order as the read model has it (its full record and history: <c>/admin/orders/{id}</c>).</summary>
public sealed record OrderRowView(
    string OrderId,
    OrderStatus Status,
    string Channel,
    string CustomerId,
    string Currency,
    long TotalMinor,
    int Units,
    int CancelledUnits,
    int ReturnedUnits,
    HoldReason? HoldReason,
    RejectReason? RejectReason,
    bool Paid,
    IReadOnlyList<string> Skus,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version)
{
    public static OrderRowView Of(OrderRow row) => new(
        row.OrderId,
        row.Status,
        row.Channel,
        row.CustomerId,
        row.Currency,
        row.TotalMinor,
        row.Units,
        row.CancelledUnits,
        row.ReturnedUnits,
        row.HoldReason == Abstractions.HoldReason.Unspecified ? null : row.HoldReason,
        row.RejectReason == Abstractions.RejectReason.Unspecified ? null : row.RejectReason,
        row.Paid,
        row.Skus,
        row.CreatedAt,
        row.UpdatedAt,
        row.Version);
}

/// <summary>Orders per status and per channel.</summary>
public sealed record OrderCountsView(long Total, IReadOnlyDictionary<string, long> ByStatus, IReadOnlyDictionary<string, long> ByChannel);

/// <summary>Channel figures for the days <see cref="From"/> to <see cref="To"/> (inclusive, UTC).</summary>
public sealed record ChannelFiguresView(DateOnly From, DateOnly To, IReadOnlyList<ChannelDayView> Days);

/// <summary>One channel, day and currency (see <see cref="ChannelDayFigures"/>).</summary>
public sealed record ChannelDayView(
    DateOnly Day,
    string Channel,
    string Currency,
    long Orders,
    long Units,
    long RevenueMinor,
    long Cancelled,
    long Returned,
    long Rejected,
    decimal CancellationRate,
    decimal ReturnRate)
{
    public static ChannelDayView Of(ChannelDayFigures f) =>
        new(f.Day, f.Channel, f.Currency, f.Orders, f.Units, f.RevenueMinor, f.Cancelled, f.Returned, f.Rejected, f.CancellationRate, f.ReturnRate);
}

/// <summary>The channel figures as RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they hold a comma, quote or line break.</summary>
internal static class ChannelFiguresCsv
{
    public const string Header = "day,channel,currency,orders,units,revenue_minor,cancelled,returned,rejected,cancellation_rate,return_rate";

    public static string Write(IEnumerable<ChannelDayFigures> figures)
    {
        var csv = new StringBuilder(Header).Append("\r\n");
        foreach (var f in figures)
        {
            csv.AppendJoin(',',
                f.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Field(f.Channel),
                Field(f.Currency),
                f.Orders.ToString(CultureInfo.InvariantCulture),
                f.Units.ToString(CultureInfo.InvariantCulture),
                f.RevenueMinor.ToString(CultureInfo.InvariantCulture),
                f.Cancelled.ToString(CultureInfo.InvariantCulture),
                f.Returned.ToString(CultureInfo.InvariantCulture),
                f.Rejected.ToString(CultureInfo.InvariantCulture),
                f.CancellationRate.ToString("0.####", CultureInfo.InvariantCulture),
                f.ReturnRate.ToString("0.####", CultureInfo.InvariantCulture)).Append("\r\n");
        }

        return csv.ToString();
    }

    public static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
