namespace OrderGrains.Abstractions;

/// <summary>
/// The roles a step of a hold's approval chain can require. An operator may approve a <see cref="Reviewer"/> step
/// (operators approved every hold before chains existed); <see cref="Supervisor"/> and <see cref="Finance"/> steps need
/// exactly that role.
/// </summary>
public static class ReviewRoles
{
    public const string Reviewer = "reviewer";
    public const string Supervisor = "supervisor";
    public const string Finance = "finance";
    public const string Operator = "operator";

    /// <summary>The roles a chain step may name.</summary>
    public static readonly IReadOnlyList<string> StepRoles = [Reviewer, Supervisor, Finance];

    /// <summary>Whether someone holding <paramref name="roles"/> may approve a step that needs <paramref name="stepRole"/>.</summary>
    public static bool Qualifies(string stepRole, IReadOnlyCollection<string> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        return roles.Contains(stepRole, StringComparer.Ordinal)
            || (string.Equals(stepRole, Reviewer, StringComparison.Ordinal) && roles.Contains(Operator, StringComparer.Ordinal));
    }
}

/// <summary>One person's approval of the next step of a hold: who (goes into the history) and which roles they hold.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.HoldApproval")]
public sealed record HoldApproval([property: Id(0)] string Approver, [property: Id(1)] IReadOnlyList<string> Roles);

/// <summary>
/// Counts orders per customer or per delivery address within a sliding window, for the review's velocity rule
/// (key "customer:&lt;id&gt;" or "address:&lt;normalised address&gt;").
/// </summary>
public interface IOrderVelocityGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records <paramref name="orderId"/> at <paramref name="at"/> (idempotent per order id) and returns how many distinct
    /// orders fall within <paramref name="window"/> before <paramref name="at"/>, this one included.
    /// </summary>
    Task<int> CountAsync(string orderId, DateTimeOffset at, TimeSpan window);
}
