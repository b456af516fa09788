using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using OrderGrains.ErpLedger;
using OrderGrains.Host.Admin;
using OrderGrains.Grpc.Tests;
using OrderGrains.Host.Security;
using YamlDotNet.RepresentationModel;

namespace OrderGrains.Host.Tests;

/// <summary>
/// No container engine runs here, so deploy/Dockerfile, deploy/compose.yaml and deploy/k8s/ are never started by a test.
/// Instead each is read and every setting, port and path it names is checked against what the host really reads
/// (<see cref="ConfigurationKeys"/>, the host's own settings parser) and serves (its probe paths on a running host),
/// so the files cannot drift from the code.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    // The ERP ledger's settings (ErpLedgerApp.StartAsync reads exactly these).
    private static readonly HashSet<string> ErpKeys = new(
        ["Erp:Port", "Erp:ListenAddress", "Erp:DataDir", "Erp:ApiKey", "Erp:PostgresSchema", "Erp:PostgresMaxPoolSize", "Erp:MaxRequestBodySize", "ConnectionStrings:ErpPostgres"],
        StringComparer.OrdinalIgnoreCase);

    // What Orleans' Kubernetes hosting reads from the pod's environment.
    private static readonly string[] KubernetesVariables = ["POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID"];

    private const string Secret = "placeholder-secret-0123456789abcdef";

    private static string Deploy(params string[] parts) => Path.Combine([PythonConformance.RepositoryRoot, "deploy", .. parts]);

    [Fact]
    public void Dockerfile_publishes_projects_that_exist_runs_their_assemblies_as_a_non_root_user_and_exposes_the_hosts_ports()
    {
        var lines = DockerInstructions(File.ReadAllText(Deploy("Dockerfile")));

        var published = lines.Where(l => l.StartsWith("RUN ", StringComparison.Ordinal))
            .SelectMany(l => PublishedProject().Matches(l).Select(m => m.Groups[1].Value))
            .ToList();
        Assert.Equal(2, published.Count);
        Assert.All(published, p => Assert.True(File.Exists(Path.Combine(PythonConformance.RepositoryRoot, p)), $"{p} does not exist"));

        var entrypoint = Assert.Single(lines, l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal));
        Assert.EndsWith($"/{typeof(OrderGrainsHost).Assembly.GetName().Name}.dll\"]", entrypoint);

        var exposed = Assert.Single(lines, l => l.StartsWith("EXPOSE ", StringComparison.Ordinal))["EXPOSE ".Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Order();
        Assert.Equal(new[] { HostSettings.DefaultGrpcPort, HostSettings.DefaultAdminPort, ClusterSettings.DefaultSiloPort, ClusterSettings.DefaultGatewayPort }.Order(), exposed);

        var user = Assert.Single(lines, l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Trim();
        Assert.DoesNotContain(user, new[] { "root", "0" });

        var environment = lines.Where(l => l.StartsWith("ENV ", StringComparison.Ordinal))
            .SelectMany(l => l["ENV ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(p => Key(p[0]), p => p[1]);
        Assert.NotEmpty(environment);

        // .NET's own knobs: the image runs the host with those of the host's launch settings (what `dotnet run` uses).
        var runtimeKnobs = environment.Where(e => e.Key.StartsWith("DOTNET_", StringComparison.Ordinal)).ToDictionary();
        Assert.Equal(HostLaunchEnvironment().Order(), runtimeKnobs.Order());
        Assert.All(environment.Keys.Except(runtimeKnobs.Keys), key => Assert.True(ConfigurationKeys.IsKnown(key) || ErpKeys.Contains(key), $"{key} is read by neither the host nor the ERP ledger"));

        // The image's defaults alone are settings the host accepts (SQLite, listening on every address).
        var settings = HostSettings.Read(Configuration(environment.Where(e => e.Key.StartsWith("OrderGrains:", StringComparison.Ordinal))));
        Assert.Equal("0.0.0.0", settings.ListenAddress);
    }

    [Fact]
    public void Compose_silos_use_only_settings_the_host_reads_form_one_cluster_and_publish_the_hosts_ports()
    {
        var services = (YamlMappingNode)Load(Deploy("compose.yaml")).Single()["services"];
        var silos = services.Children.Where(s => Text(s.Key).StartsWith("silo-", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, silos.Count);

        var advertised = new List<string>();
        foreach (var (name, node) in silos.Select(s => (Text(s.Key), Merged((YamlMappingNode)s.Value))))
        {
            var environment = Merged((YamlMappingNode)node["environment"]).Children.ToDictionary(e => Key(Text(e.Key)), e => Substituted(Text(e.Value)));
            var unknown = environment.Keys.Where(k => !ConfigurationKeys.IsKnown(k)).ToList();
            Assert.True(unknown.Count == 0, $"{name} sets what the host does not read: {string.Join(", ", unknown)}");

            var configuration = Configuration(environment);
            var settings = HostSettings.Read(configuration);
            Assert.Equal(StorageKind.Postgres, settings.Storage);
            Assert.Equal(Text(node["networks"]["cluster"]["ipv4_address"]), settings.Cluster.AdvertisedAddress);
            advertised.Add(settings.Cluster.AdvertisedAddress!);
            AssertTokensLoad(configuration, settings);

            var containerPorts = ((YamlSequenceNode)node["ports"]).Select(p => int.Parse(Text(p).Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture)).Order();
            Assert.Equal(new[] { settings.GrpcPort, settings.AdminPort }.Order(), containerPorts);

            var postgres = new Npgsql.NpgsqlConnectionStringBuilder(settings.PostgresConnectionString);
            Assert.True(services.Children.ContainsKey(postgres.Host!), $"{name} connects to PostgreSQL at {postgres.Host}, which is no service");

            var erp = new Uri(environment["OrderGrains:Erp:Endpoint"]);
            Assert.True(services.Children.ContainsKey(erp.Host), $"{name} posts to the ERP at {erp.Host}, which is no service");
            var erpEnvironment = ((YamlMappingNode)services[erp.Host]["environment"]).Children.ToDictionary(e => Key(Text(e.Key)), e => Substituted(Text(e.Value)));
            Assert.Equal(erpEnvironment["Erp:Port"], erp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(erpEnvironment["Erp:ApiKey"], environment["OrderGrains:Erp:ApiKey"]);
        }

        Assert.Equal(advertised.Count, advertised.Distinct().Count());

        var erpService = (YamlMappingNode)services["erp"];
        var erpKeys = ((YamlMappingNode)erpService["environment"]).Children.Select(e => Key(Text(e.Key))).ToList();
        Assert.All(erpKeys, key => Assert.Contains(key, ErpKeys));
        Assert.EndsWith($"/{typeof(ErpLedgerApp).Assembly.GetName().Name}.dll", Text(((YamlSequenceNode)erpService["entrypoint"]).Children[^1]));
    }

    [Fact]
    public async Task Kubernetes_manifests_name_settings_ports_and_probe_paths_the_host_really_has()
    {
        var documents = Load(Deploy("k8s", "ordergrains.yaml"));
        YamlMappingNode Find(string kind, string name) => documents.Single(d => Text(d["kind"]) == kind && Text(d["metadata"]["name"]) == name);

        var silo = Find("Deployment", "ordergrains");
        var pod = (YamlMappingNode)silo["spec"]["template"];
        var container = (YamlMappingNode)((YamlSequenceNode)pod["spec"]["containers"]).Single();
        var variables = ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>().ToList();

        var environment = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var outsideTheHost = new List<string>();
        foreach (var variable in variables)
        {
            var name = Text(variable["name"]);
            if (!name.Contains("__", StringComparison.Ordinal))
            {
                outsideTheHost.Add(name);
                continue;
            }

            var key = Key(name);
            Assert.True(ConfigurationKeys.IsKnown(key), $"{name} is not a setting the host reads");
            environment[key] = variable.Children.ContainsKey("value") ? Text(variable["value"]) : FromReference((YamlMappingNode)variable["valueFrom"]);
        }

        Assert.Equal(KubernetesVariables.Order(), outsideTheHost.Order());
        var configuration = Configuration(environment);
        var settings = HostSettings.Read(configuration);
        Assert.True(settings.Cluster.Kubernetes);
        AssertTokensLoad(configuration, settings);

        // Orleans' Kubernetes hosting takes the ids from the pod's labels; they must be the ids the host is given.
        var labels = (YamlMappingNode)pod["metadata"]["labels"];
        Assert.Equal(Text(labels["orleans/serviceId"]), settings.Cluster.ServiceId);
        Assert.Equal(Text(labels["orleans/clusterId"]), settings.Cluster.ClusterId);
        foreach (var (variable, label) in new[] { ("ORLEANS_SERVICE_ID", "orleans/serviceId"), ("ORLEANS_CLUSTER_ID", "orleans/clusterId") })
        {
            var path = Text(variables.Single(v => Text(v["name"]) == variable)["valueFrom"]["fieldRef"]["fieldPath"]);
            Assert.Equal($"metadata.labels['{label}']", path);
        }

        var ports = ((YamlSequenceNode)container["ports"]).Cast<YamlMappingNode>().ToDictionary(p => Text(p["name"]), p => int.Parse(Text(p["containerPort"]), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(settings.GrpcPort, ports["grpc"]);
        Assert.Equal(settings.AdminPort, ports["admin"]);
        Assert.Equal(settings.Cluster.SiloPort, ports["silo"]);
        Assert.Equal(settings.Cluster.GatewayPort, ports["gateway"]);

        var probes = new[] { "startupProbe", "readinessProbe", "livenessProbe" }.Select(p => (YamlMappingNode)container[p]["httpGet"]).ToList();
        Assert.All(probes, p => Assert.Equal("admin", Text(p["port"])));

        // Services and the disruption budget select these pods and target their named ports.
        var podLabels = labels.Children.ToDictionary(l => Text(l.Key), l => Text(l.Value));
        var service = Find("Service", "ordergrains");
        Assert.All(((YamlMappingNode)service["spec"]["selector"]).Children, s => Assert.Equal(podLabels[Text(s.Key)], Text(s.Value)));
        Assert.All((YamlSequenceNode)service["spec"]["ports"], p => Assert.Contains(Text(p["targetPort"]), ports.Keys));
        Assert.All(((YamlMappingNode)Find("PodDisruptionBudget", "ordergrains")["spec"]["selector"]["matchLabels"]).Children, s => Assert.Equal(podLabels[Text(s.Key)], Text(s.Value)));
        Assert.Equal(Text(Find("ServiceAccount", "ordergrains")["metadata"]["name"]), Text(pod["spec"]["serviceAccountName"]));

        // The ERP ledger: its settings, its port, and the address the silos post to.
        var erp = Find("Deployment", "ordergrains-erp");
        var erpContainer = (YamlMappingNode)((YamlSequenceNode)erp["spec"]["template"]["spec"]["containers"]).Single();
        var erpVariables = ((YamlSequenceNode)erpContainer["env"]).Cast<YamlMappingNode>().ToDictionary(v => Key(Text(v["name"])), v => v);
        Assert.All(erpVariables.Keys, key => Assert.Contains(key, ErpKeys));
        var erpPort = Text(((YamlMappingNode)((YamlSequenceNode)erpContainer["ports"]).Single())["containerPort"]);
        Assert.Equal(erpPort, Text(erpVariables["Erp:Port"]["value"]));
        var endpoint = new Uri(environment["OrderGrains:Erp:Endpoint"]);
        var erpService = Find("Service", endpoint.Host);
        Assert.Equal(endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Text(((YamlSequenceNode)erpService["spec"]["ports"]).Single()["port"]));
        Assert.EndsWith($"/{typeof(ErpLedgerApp).Assembly.GetName().Name}.dll", Text(((YamlSequenceNode)erpContainer["command"]).Children[^1]));

        // Every probe path answers 200 on a running host (and on a running ledger) once it is ready.
        await using var host = await TestHost.StartAsync();
        using var http = new HttpClient();
        foreach (var path in probes.Select(p => Text(p["path"])).Distinct())
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{host.AdminPort}{path}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var ledgerData = Directory.CreateTempSubdirectory("erp-probe-");
        var ledger = await ErpLedgerApp.StartAsync(["--Erp:Port=0", $"--Erp:DataDir={ledgerData.FullName}"]);
        try
        {
            var address = ledger.Urls.First();
            using var response = await http.GetAsync(new Uri(new Uri(address), Text(erpContainer["readinessProbe"]["httpGet"]["path"])));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            await ledger.DisposeAsync();
            ledgerData.Delete(recursive: true);
        }
    }

    [Fact]
    public void Configuration_keys_know_what_the_host_reads_and_not_what_it_does_not()
    {
        Assert.True(ConfigurationKeys.IsKnown("OrderGrains:Storage"));
        Assert.True(ConfigurationKeys.IsKnown("orderGrains:cluster:advertisedAddress"));
        Assert.True(ConfigurationKeys.IsKnown("OrderGrains:Orders:ReservationTimeout"));
        Assert.True(ConfigurationKeys.IsKnown("OrderGrains:Returns:Channels:pos:WindowDays"));
        Assert.True(ConfigurationKeys.IsKnown("OrderGrains:Silo:Membership:ProbeTimeout"));
        Assert.True(ConfigurationKeys.IsKnown("OrderGrains:Callers:3:Channels:0"));
        Assert.True(ConfigurationKeys.IsKnown("OrderGrains:Grpc:MaxReceiveMessageSize"));
        Assert.True(ConfigurationKeys.IsKnown("OrderGrains:Backorders:Channels:marketplace:AllowBackorders"));
        Assert.True(ConfigurationKeys.IsKnown("OrderGrains:Pricing:Channels:marketplace:PriceMismatch"));

        Assert.False(ConfigurationKeys.IsKnown("OrderGrains:Storge"));
        Assert.False(ConfigurationKeys.IsKnown("OrderGrains:Orders:ReservationTimout"));
        Assert.False(ConfigurationKeys.IsKnown("OrderGrains:Callers:0:Tokn"));
        Assert.False(ConfigurationKeys.IsKnown("OrderGrains:Silo:Membership:NoSuchOption"));

        var configuration = Configuration(new Dictionary<string, string>
        {
            ["OrderGrains:Storage"] = "sqlite",
            ["OrderGrains:Storge"] = "postgres",
            ["OrderGrains:Orders:MaxLinesPerOrder"] = "50",
            ["OrderGrains:Admin:Tokens:0:Rol"] = "viewer",
        });
        Assert.Equal(["OrderGrains:Admin:Tokens:0:Rol", "OrderGrains:Storge"], ConfigurationKeys.Unknown(configuration));
    }

    private static void AssertTokensLoad(IConfiguration configuration, HostSettings settings)
    {
        // Both token lists are configured, so nothing is generated and nothing is written.
        Assert.Null(AdminTokens.Load(configuration, settings).GeneratedTokenPath);
        Assert.Null(CallerTokens.Load(configuration, settings).GeneratedTokenPath);
    }

    private static IConfiguration Configuration(IEnumerable<KeyValuePair<string, string>> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    // The environment variables of the host's one launch profile.
    private static Dictionary<string, string> HostLaunchEnvironment()
    {
        var path = Path.Combine(PythonConformance.RepositoryRoot, "src", "OrderGrains.Host", "Properties", "launchSettings.json");
        var profile = JsonNode.Parse(File.ReadAllText(path))!["profiles"]!.AsObject().Single().Value!;
        return profile["environmentVariables"]!.AsObject().ToDictionary(v => v.Key, v => (string)v.Value!);
    }

    // Environment variable names use "__" for ':'.
    private static string Key(string variable) => variable.Replace("__", ":", StringComparison.Ordinal);

    // ${NAME:?message} and ${NAME} are filled from .env by compose; a long placeholder stands in (tokens need 16 characters).
    private static string Substituted(string value) => ComposeVariable().Replace(value, Secret);

    private static string FromReference(YamlMappingNode valueFrom) =>
        valueFrom.Children.ContainsKey("fieldRef") && Text(valueFrom["fieldRef"]["fieldPath"]) == "status.podIP"
            ? "10.1.2.3"
            : valueFrom.Children.ContainsKey("secretKeyRef") && Text(valueFrom["secretKeyRef"]["key"]) == "postgres"
                ? "Host=postgres.example;Username=ordergrains;Password=" + Secret + ";Database=ordergrains"
                : Secret;

    private static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? string.Empty;

    private static List<YamlMappingNode> Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    // YAML merge keys ("<<: *anchor"): the anchored mapping's entries, then this mapping's own, which win.
    private static YamlMappingNode Merged(YamlMappingNode node)
    {
        var merged = new YamlMappingNode();
        if (node.Children.TryGetValue(new YamlScalarNode("<<"), out var source))
        {
            foreach (var entry in Merged((YamlMappingNode)source).Children)
            {
                merged.Children[entry.Key] = entry.Value;
            }
        }

        foreach (var entry in node.Children.Where(e => Text(e.Key) != "<<"))
        {
            merged.Children[entry.Key] = entry.Value;
        }

        return merged;
    }

    private static List<string> DockerInstructions(string text) =>
        [.. text.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))];

    [GeneratedRegex(@"dotnet publish (\S+\.csproj)")]
    private static partial Regex PublishedProject();

    [GeneratedRegex(@"\$\{[A-Z_]+(:\?[^}]*)?\}")]
    private static partial Regex ComposeVariable();
}
