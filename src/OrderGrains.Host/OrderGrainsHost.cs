using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OrderGrains.Alerting;
using OrderGrains.ErpForwarding;
using OrderGrains.Grains;
using OrderGrains.Host.Admin;
using OrderGrains.Host.Operations;
using OrderGrains.Host.Admission;
using OrderGrains.Host.Dashboard;
using OrderGrains.Host.Grpc;
using OrderGrains.Host.Security;
using OrderGrains.ReadModel;
using OrderGrains.Storage;
using Orleans.Dashboard;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace OrderGrains.Host;

/// <summary>Builds and runs the host: settings, storage, the silo, the gRPC port and the admin port.</summary>
public static class OrderGrainsHost
{
    /// <summary>Exit code when settings are wrong.</summary>
    public const int ExitBadSettings = 2;

    /// <summary>Exit code when storage cannot be opened.</summary>
    public const int ExitStorageUnavailable = 3;

    /// <summary>Runs until SIGTERM/Ctrl+C; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        RunningHost host;
        try
        {
            host = await StartAsync(args);
        }
        catch (HostSettingsException exception)
        {
            await Console.Error.WriteLineAsync(exception.Message);
            return ExitBadSettings;
        }
        catch (Exception exception) when (exception is StorageUnavailableException or StorageUpgradeException)
        {
            await Console.Error.WriteLineAsync(exception.Message);
            return ExitStorageUnavailable;
        }

        await using (host)
        {
            await host.App.WaitForShutdownAsync();
        }

        return 0;
    }

    /// <summary>Builds and starts the host (tests call this with their own arguments, e.g. port 0 and a temp data dir).</summary>
    public static async Task<RunningHost> StartAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The content root is the build output, where appsettings.json lies, wherever the command was typed;
        // the data directory still resolves against the working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var settings = HostSettings.Read(builder.Configuration);
        var admission = AdmissionOptions.Read(builder.Configuration);
        var grpc = GrpcSettings.Read(builder.Configuration);
        var limits = ServerLimits.Read(builder.Configuration);
        var adminTokens = AdminTokens.Load(builder.Configuration, settings);
        var callerTokens = CallerTokens.Load(builder.Configuration, settings);
        var certificate = TlsSettings.Load(builder.Configuration);
        var clusterTls = ClusterTls.Load(builder.Configuration);
        var storage = await HostStorage.OpenAsync(settings, CancellationToken.None);
        WebApplication? app = null;
        try
        {
            builder.Services.AddSingleton(settings);
            builder.Services.AddSingleton(admission);
            builder.Services.AddSingleton<AdmissionControl>();
            builder.Services.AddSingleton<IForegroundLoad, IntakeLoad>();
            builder.Services.AddSingleton<SaleQueue>();
            builder.Services.AddSingleton(adminTokens);
            builder.Services.AddSingleton<PlacementStatistics>();
            builder.Services.AddSingleton<ISiloReportSource>(sp => sp.GetRequiredService<PlacementStatistics>());
            builder.Services.AddSingleton<GrainCallCounter>();
            builder.Services.AddSingleton<SiloFigures>();
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloFigures>());
            builder.Services.AddSingleton<SiloReadiness>();
            builder.Services.AddSingleton<ClusterMembers>();
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloReadiness>());
            builder.Services.AddOrderGrainsOptions();
            builder.Services.AddOpenApi();
            builder.AddOrderGrainsTelemetry();
            var erpEndpoint = ErpWiring.Configure(builder, settings);
            builder.UseOrleans(silo =>
            {
                storage.ConfigureSilo(silo, settings.Cluster);
                silo.AddOrderDomain();
                silo.AddErpForwarding(_ => ErpWiring.CreateClient(erpEndpoint, builder.Configuration["OrderGrains:Erp:ApiKey"]));
                silo.AddOrderReadModel(_ => storage.ReadStore);
                silo.AddInventoryAlerting();
                silo.Services.AddSingleton<IIncomingGrainCallFilter>(sp => sp.GetRequiredService<GrainCallCounter>());
                silo.Services.AddSingleton<IOutgoingGrainCallFilter>(sp => sp.GetRequiredService<GrainCallCounter>());
                silo.AddOrleansDashboard();
                silo.Services.AddGrainService<SiloReportService>();
                silo.Services.AddSingleton<SiloReports>();
                silo.UseSiloMetadata(ClusterMembers.Metadata(settings, certificate is not null));
                clusterTls?.Apply(silo);
                if (settings.Cluster.Kubernetes)
                {
                    // Reads POD_NAME, POD_NAMESPACE, POD_IP, ORLEANS_SERVICE_ID and ORLEANS_CLUSTER_ID (deploy/k8s sets them
                    // to the same ids as OrderGrains:Cluster:*) and watches the pods through the API server.
                    silo.UseKubernetesHosting();
                }
            });
            builder.Services.AddSingleton(storage);
            builder.Services.AddOrderGrainsGrpc(grpc);
            builder.Services.AddCallerAuthorization(callerTokens);
            builder.Services.AddGrpcHealthChecks().AddCheck<SiloHealthCheck>("silo-and-storage");
            builder.Services.AddSingleton<OrderIntakeService>();
            builder.Services.AddSingleton<InventoryService>();
            builder.Services.AddSingleton<CustomersService>();
            builder.Services.AddSingleton<CampaignsService>();
            builder.Services.AddSingleton<PricingService>();
            builder.Services.AddSingleton<FulfillmentService>();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                limits.ApplyTo(kestrel);
                var address = IPAddress.Parse(settings.ListenAddress);
                // With a certificate, TLS on both ports; ALPN then offers h2 (and http/1.1 on the admin port).
                kestrel.Listen(address, settings.GrpcPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    if (certificate is not null)
                    {
                        listen.UseHttps(certificate);
                    }
                });
                kestrel.Listen(address, settings.AdminPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    if (certificate is not null)
                    {
                        listen.UseHttps(certificate);
                    }
                });
            });
            configure?.Invoke(builder);

            app = builder.Build();
            app.Use((context, next) =>
            {
                // Kestrel's body limit is for the admin port's JSON; a gRPC stream may carry many messages, each held to
                // OrderGrains:Grpc:MaxReceiveMessageSize by Grpc.AspNetCore (Kestrel's limit would end it UNKNOWN).
                if (context.GetEndpoint()?.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>() is not null
                    && context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
                {
                    bodySize.MaxRequestBodySize = null;
                }

                return next(context);
            });
            app.Use(GrpcLengthPrefixGuard.InvokeAsync);
            app.UseAdminAuthentication();
            app.MapGrpcService<OrderIntakeService>();
            app.MapGrpcService<InventoryService>();
            app.MapGrpcService<CustomersService>();
            app.MapGrpcService<CampaignsService>();
            app.MapGrpcService<PricingService>();
            app.MapGrpcService<FulfillmentService>();
            app.MapGrpcService<ReviewService>();
            app.MapGrpcHealthChecksService();
            app.MapGrpcReflectionService();
            ErpWiring.Map(app, settings);
            app.MapAdminApi(settings);
            app.MapOpenApi().RequireHost($"*:{settings.AdminPort}");
            app.MapDashboard(settings);
            // Orleans' own dashboard, under /admin so the admin token guards it like the rest of the admin API.
            app.MapOrleansDashboard(AdminAuthentication.OrleansDashboardPath).RequireHost($"*:{settings.AdminPort}");
            app.MapOrderGrainsMetrics(settings);
            app.MapGet("/healthz", (SiloReadiness silo) => silo.IsReady
                ? Results.Text("ready\n")
                : Results.Text("starting or stopping\n", statusCode: StatusCodes.Status503ServiceUnavailable));
            await app.StartAsync();
            if (adminTokens.GeneratedTokenPath is { } tokenPath)
            {
                HostLog.AdminTokenGenerated(app.Logger, tokenPath);
            }

            if (callerTokens.GeneratedTokenPath is { } callerTokenPath)
            {
                HostLog.CallerTokenGenerated(app.Logger, callerTokenPath);
            }

            foreach (var key in ConfigurationKeys.Unknown(builder.Configuration))
            {
                HostLog.UnknownSetting(app.Logger, key);
            }

            return new RunningHost(app, storage);
        }
        catch (Exception exception)
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            await storage.DisposeAsync();
            if (OptionsBinding.Explain(exception) is { } settingsProblem)
            {
                throw settingsProblem;
            }

            throw;
        }
    }
}

/// <summary>A started host; disposing stops it gracefully (in-flight requests finish, grains deactivate) and closes storage.</summary>
public sealed class RunningHost(WebApplication app, HostStorage storage) : IAsyncDisposable
{
    public WebApplication App { get; } = app;

    public IServiceProvider Services => App.Services;

    /// <summary>The bound URLs, in listen order: gRPC first, then admin.</summary>
    public IReadOnlyList<Uri> Addresses =>
        App.Urls.Select(u => new Uri(u)).ToList();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await storage.DisposeAsync();
    }
}
