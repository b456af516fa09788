using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>Checks promotions, stacking rules and coupons as operators enter them; each failure names the wire field.</summary>
public static class PromotionRules
{
    /// <summary>The prefix that names a flash-sale campaign in a stacking rule or a line's promotion ids.</summary>
    public const string CampaignPrefix = "campaign:";

    /// <summary>Basis points of 100%.</summary>
    public const int FullPercent = 10_000;

    /// <summary>The promotion, checked and with its SKU list de-duplicated and sorted; throws <see cref="DomainValidationException"/>.</summary>
    public static PromotionDefinition Validate(PromotionDefinition? promotion)
    {
        if (promotion is null)
        {
            throw new DomainValidationException("promotion", "is required");
        }

        RequireId(promotion.PromotionId, "promotion_id");
        if (promotion.PromotionId.StartsWith(CampaignPrefix, StringComparison.Ordinal))
        {
            throw new DomainValidationException("promotion_id", $"'{promotion.PromotionId}' must not start with '{CampaignPrefix}' (that names a flash-sale campaign)");
        }

        var skus = (promotion.Skus ?? []).ToList();
        for (var i = 0; i < skus.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(skus[i]))
            {
                throw new DomainValidationException($"skus[{i}]", "must not be empty");
            }
        }

        switch (promotion.Kind)
        {
            case PromotionKind.SkuPercent:
                RequireSkus(skus);
                if (promotion.PercentBasisPoints is <= 0 or > FullPercent)
                {
                    throw new DomainValidationException("percent_basis_points", $"{promotion.PercentBasisPoints} must be between 1 and {FullPercent} (0.01% to 100%)");
                }

                break;
            case PromotionKind.SkuAmount:
                RequireSkus(skus);
                RequirePositive(promotion.AmountMinor, "amount_minor");
                RequireCurrency(promotion.Currency, promotion.Kind);
                break;
            case PromotionKind.OrderThreshold:
                if (skus.Count > 0)
                {
                    throw new DomainValidationException("skus", "must be empty for an order threshold promotion (it applies to the whole order)");
                }

                RequirePositive(promotion.AmountMinor, "amount_minor");
                RequirePositive(promotion.ThresholdMinor, "threshold_minor");
                RequireCurrency(promotion.Currency, promotion.Kind);
                if (promotion.MaxSteps < 0)
                {
                    throw new DomainValidationException("max_steps", $"{promotion.MaxSteps} must not be negative (0 means no cap)");
                }

                break;
            default:
                throw new DomainValidationException("kind", $"'{promotion.Kind}' must be SKU_PERCENT, SKU_AMOUNT or ORDER_THRESHOLD");
        }

        if (promotion.Kind != PromotionKind.SkuPercent && promotion.PercentBasisPoints != 0)
        {
            throw new DomainValidationException("percent_basis_points", $"must be 0 for a {promotion.Kind} promotion");
        }

        if (promotion.Kind == PromotionKind.SkuPercent && promotion.AmountMinor != 0)
        {
            throw new DomainValidationException("amount_minor", "must be 0 for a percentage promotion");
        }

        if (promotion.Currency is { Length: > 0 } currency && !IsCurrency(currency))
        {
            throw new DomainValidationException("currency", $"'{currency}' must be a three-letter ISO 4217 code such as EUR");
        }

        if (promotion.StartsAt is { } starts && promotion.EndsAt is { } ends && ends <= starts)
        {
            throw new DomainValidationException("ends_at", "must be after starts_at");
        }

        return promotion with
        {
            Skus = [.. skus.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            Currency = string.IsNullOrEmpty(promotion.Currency) ? null : promotion.Currency,
        };
    }

    /// <summary>
    /// The rule, checked against <paramref name="existing"/>: at least two distinct promotion ids, none of which is in
    /// another exclusive rule (two rules sharing a promotion would overlap, and which one wins would depend on order).
    /// </summary>
    public static StackingRuleDefinition Validate(StackingRuleDefinition? rule, IReadOnlyList<StackingRuleDefinition> existing)
    {
        ArgumentNullException.ThrowIfNull(existing);
        if (rule is null)
        {
            throw new DomainValidationException("stacking_rule", "is required");
        }

        RequireId(rule.RuleId, "rule_id");
        if (rule.Mode != StackingMode.Exclusive)
        {
            throw new DomainValidationException("mode", $"'{rule.Mode}' must be EXCLUSIVE");
        }

        var ids = rule.PromotionIds ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(ids[i]))
            {
                throw new DomainValidationException($"promotion_ids[{i}]", "must not be empty");
            }

            if (!seen.Add(ids[i]))
            {
                throw new DomainValidationException($"promotion_ids[{i}]", $"'{ids[i]}' is listed twice");
            }

            var other = existing.FirstOrDefault(r => !string.Equals(r.RuleId, rule.RuleId, StringComparison.Ordinal) && r.PromotionIds.Contains(ids[i], StringComparer.Ordinal));
            if (other is not null)
            {
                throw new DomainValidationException($"promotion_ids[{i}]", $"'{ids[i]}' is already in stacking rule '{other.RuleId}'; a promotion may be in one exclusive rule only (the rules would overlap)");
            }
        }

        if (ids.Count < 2)
        {
            throw new DomainValidationException("promotion_ids", "needs at least two promotions that exclude each other");
        }

        return rule with { PromotionIds = [.. ids] };
    }

    /// <summary>The coupon, checked; throws <see cref="DomainValidationException"/> naming the field.</summary>
    public static CouponDefinition Validate(CouponDefinition? coupon)
    {
        if (coupon is null)
        {
            throw new DomainValidationException("coupon", "is required");
        }

        RequireId(coupon.Code, "code");
        RequireId(coupon.PromotionId, "promotion_id");
        if (coupon.Quota < 0)
        {
            throw new DomainValidationException("quota", $"{coupon.Quota} must not be negative");
        }

        if (coupon.PerCustomerLimit < 0)
        {
            throw new DomainValidationException("per_customer_limit", $"{coupon.PerCustomerLimit} must not be negative (0 means no limit)");
        }

        if (coupon.StartsAt is { } starts && coupon.EndsAt is { } ends && ends <= starts)
        {
            throw new DomainValidationException("ends_at", "must be after starts_at");
        }

        return coupon;
    }

    /// <summary>Whether two promotions say the same (records compare lists by reference).</summary>
    public static bool Same(PromotionDefinition a, PromotionDefinition b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a with { Skus = Array.Empty<string>() } == b with { Skus = Array.Empty<string>() } && a.Skus.SequenceEqual(b.Skus, StringComparer.Ordinal);
    }

    private static bool IsCurrency(string currency) => currency.Length == 3 && currency.All(char.IsAsciiLetterUpper);

    private static void RequireId(string? id, string field)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new DomainValidationException(field, "is required");
        }

        if (id.Length > 128)
        {
            throw new DomainValidationException(field, $"is {id.Length} characters long; at most 128");
        }
    }

    private static void RequireSkus(List<string> skus)
    {
        if (skus.Count == 0)
        {
            throw new DomainValidationException("skus", "at least one SKU is required for a SKU promotion");
        }
    }

    private static void RequirePositive(long value, string field)
    {
        if (value <= 0)
        {
            throw new DomainValidationException(field, $"{value} must be positive");
        }
    }

    private static void RequireCurrency(string? currency, PromotionKind kind)
    {
        if (string.IsNullOrEmpty(currency))
        {
            throw new DomainValidationException("currency", $"is required for a {kind} promotion (its amounts are money)");
        }
    }
}
