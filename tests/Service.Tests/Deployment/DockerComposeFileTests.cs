using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace TokenClean.Service.Tests.Deployment;

/// <summary>What docker-compose.yml must say for a correct deployment, read with a YAML parser (YamlDotNet).</summary>
public sealed partial class DockerComposeFileTests
{
    private static readonly YamlMappingNode Compose = Load();

    private static YamlMappingNode Services => (YamlMappingNode)Compose["services"];

    [Fact]
    public void Service_Replicas_AreSeveralInOneConsumerGroup()
    {
        var replicas = ServiceReplicas().ToList();
        Assert.NotEmpty(replicas);
        var total = replicas.Sum(r => r.Count);
        Assert.True(total > 1, $"only {total} replica(s)");

        var groups = replicas.Select(r => Env(r.Service)["TokenClean__Kafka__GroupId"]).Distinct().ToList();
        Assert.Single(groups);
        Assert.Equal("${TOKENCLEAN_GROUP:-tokenclean}", groups[0]);
    }

    [Fact]
    public void Service_EveryReplica_MountsTheSharedLakeAndCheckpointVolumes()
    {
        var declared = ((YamlMappingNode)Compose["volumes"]).Children.Keys.Select(k => k.ToString()).ToHashSet();
        foreach (var (service, _) in ServiceReplicas())
        {
            var env = Env(service);
            var mounts = ((YamlSequenceNode)service["volumes"]).Select(v => v.ToString().Split(':')).ToList();
            foreach (var (key, volume) in new[] { ("TokenClean__Lake__Root", "lake"), ("TokenClean__Models__ReferenceRoot", "checkpoints") })
            {
                var target = env[key];
                var mount = mounts.SingleOrDefault(m => m.Length >= 2 && m[1] == target);
                Assert.True(mount is not null, $"{key}={target} is not a mount point");
                Assert.Equal(volume, mount[0]);
                Assert.Contains(volume, declared); // a named volume: one for all replicas, not a per-container path
            }
        }
    }

    [Fact]
    public void Service_Environment_UsesOnlyDocumentedKeys()
    {
        var operations = File.ReadAllText(RepoPaths.File("docs/OPERATIONS.md"));
        var documented = DocumentedKey().Matches(operations).Select(m => m.Value).ToHashSet();
        foreach (var (service, _) in ServiceReplicas())
        {
            var env = Env(service);
            foreach (var key in new[] { "TokenClean__Kafka__BootstrapServers", "TokenClean__Kafka__Topics", "TokenClean__Kafka__GroupId", "TokenClean__Lake__Root", "TokenClean__Models__Base", "TokenClean__Models__ReferenceRoot", "TokenClean__Http__Urls", "OTEL_EXPORTER_OTLP_ENDPOINT" })
            {
                Assert.True(env.ContainsKey(key), $"{key} is not configured");
            }

            foreach (var key in env.Keys.Where(k => k.StartsWith("TokenClean__", StringComparison.Ordinal)))
            {
                Assert.True(documented.Contains(key), $"{key} is not documented in docs/OPERATIONS.md");
            }

            Assert.Equal("kafka:9092", env["TokenClean__Kafka__BootstrapServers"]);
            Assert.StartsWith("http://0.0.0.0:", env["TokenClean__Http__Urls"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Service_Healthcheck_CallsHealthzOnTheConfiguredPort()
    {
        foreach (var (service, _) in ServiceReplicas())
        {
            var port = new Uri(Env(service)["TokenClean__Http__Urls"]).Port;
            var test = string.Join(' ', ((YamlSequenceNode)((YamlMappingNode)service["healthcheck"])["test"]).Select(n => n.ToString()));
            Assert.Contains($"127.0.0.1:{port}/healthz", test, StringComparison.Ordinal);
            Assert.Contains("-f", test, StringComparison.Ordinal); // curl -f: a 503 fails the check
        }
    }

    [Fact]
    public void Kafka_SingleNode_RunsKRaftWithoutZooKeeper()
    {
        Assert.DoesNotContain(Services.Children.Keys, k => k.ToString().Contains("zookeeper", StringComparison.OrdinalIgnoreCase));
        var kafka = (YamlMappingNode)Services["kafka"];
        var env = Env(kafka);
        Assert.Equal("broker,controller", env["KAFKA_PROCESS_ROLES"]);
        Assert.Equal($"{env["KAFKA_NODE_ID"]}@kafka:9093", env["KAFKA_CONTROLLER_QUORUM_VOTERS"]);
        Assert.Contains("CONTROLLER://:9093", env["KAFKA_LISTENERS"], StringComparison.Ordinal);
        Assert.Equal("CONTROLLER", env["KAFKA_CONTROLLER_LISTENER_NAMES"]);
        Assert.Equal("1", env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]);
        Assert.True(kafka.Children.ContainsKey("healthcheck"));
    }

    [Fact]
    public void KafkaInit_CreatesTheInputTopic_BeforeReplicasStart()
    {
        var init = (YamlMappingNode)Services["kafka-init"];
        var command = string.Join(' ', ((YamlSequenceNode)init["command"]).Select(n => n.ToString()));
        Assert.Contains("kafka-topics.sh", command, StringComparison.Ordinal);
        Assert.Contains("--create", command, StringComparison.Ordinal);
        Assert.Contains("--partitions", command, StringComparison.Ordinal);
        Assert.Equal(Env(init)["TOPIC"], Env(ServiceReplicas().First().Service)["TokenClean__Kafka__Topics"]);

        foreach (var (service, _) in ServiceReplicas())
        {
            var dependsOn = (YamlMappingNode)service["depends_on"];
            Assert.Equal("service_completed_successfully", ((YamlMappingNode)dependsOn["kafka-init"])["condition"].ToString());
        }
    }

    [Fact]
    public void Service_GpuReservation_IsPresentButCommentedForCudaHosts()
    {
        var text = File.ReadAllText(RepoPaths.File("docker-compose.yml"));
        Assert.Matches(@"#\s*reservations:\s*\n\s*#\s*devices:\s*\n\s*#\s*- driver: nvidia", text);
        var deploy = (YamlMappingNode)ServiceReplicas().First().Service["deploy"];
        Assert.False(((YamlMappingNode)deploy["resources"]).Children.ContainsKey("reservations"));
    }

    // The services that run `tokenclean serve`, with their replica counts.
    private static IEnumerable<(YamlMappingNode Service, int Count)> ServiceReplicas()
    {
        foreach (var (_, node) in Services.Children)
        {
            var service = (YamlMappingNode)node;
            if (!service.Children.TryGetValue("command", out var command)
                || !((YamlSequenceNode)command).Any(c => c.ToString() == "serve"))
            {
                continue;
            }

            var count = 1;
            if (service.Children.TryGetValue("deploy", out var deploy) && ((YamlMappingNode)deploy).Children.TryGetValue("replicas", out var r))
            {
                count = int.Parse(r.ToString(), CultureInfo.InvariantCulture);
            }

            yield return (service, count);
        }
    }

    private static Dictionary<string, string> Env(YamlMappingNode service) =>
        ((YamlMappingNode)service["environment"]).Children.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value.ToString(), StringComparer.Ordinal);

    private static YamlMappingNode Load()
    {
        using var reader = new StreamReader(RepoPaths.File("docker-compose.yml"));
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [GeneratedRegex(@"TokenClean__[A-Za-z]+__[A-Za-z]+")]
    private static partial Regex DocumentedKey();
}
