using System.Runtime.InteropServices;
using System.Text;
using TokenClean.Ingest.Kafka;

namespace TokenClean.Embedded.Kafka;

/// <summary>
/// An in-process Kafka cluster speaking the real Kafka protocol on loopback: librdkafka's mock cluster
/// (<c>rdkafka_mock.h</c>). Any Kafka client (Confluent.Kafka, kcat, another process) can connect to
/// <see cref="BootstrapServers"/>. In-memory and not durable: for tests and the embedded demo.
/// </summary>
public sealed partial class KafkaMockCluster : IDisposable
{
    private const string Lib = KafkaNative.LibraryName;
    private IntPtr _client;
    private IntPtr _cluster;

    private KafkaMockCluster(IntPtr client, IntPtr cluster, int brokers)
    {
        _client = client;
        _cluster = cluster;
        BrokerCount = brokers;
        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("mock cluster returned no bootstrap servers");
    }

    ~KafkaMockCluster() => Release();

    /// <summary>Comma-separated host:port list of the mock brokers.</summary>
    public string BootstrapServers { get; }

    public int BrokerCount { get; }

    /// <summary>
    /// Starts a mock cluster of <paramref name="brokers"/> brokers (ids 1..N), with no initial rebalance delay
    /// (<see cref="SetGroupInitialRebalanceDelay"/>).
    /// </summary>
    public static KafkaMockCluster Start(int brokers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        KafkaNative.ResolveImportsOf(typeof(KafkaMockCluster).Assembly);
        var conf = rd_kafka_conf_new();
        var errstr = new byte[512];
        // The owner handle has no bootstrap servers on purpose; keep it from warning about that.
        _ = rd_kafka_conf_set(conf, "log_level", "3", errstr, (nuint)errstr.Length);
        // The mock cluster needs a client handle to own its thread; a producer handle is the lightest.
        var client = rd_kafka_new(0, conf, errstr, (nuint)errstr.Length);
        if (client == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_new failed: " + Encoding.UTF8.GetString(errstr).TrimEnd('\0'));
        }

        var cluster = rd_kafka_mock_cluster_new(client, brokers);
        if (cluster == IntPtr.Zero)
        {
            rd_kafka_destroy(client);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }

        // A real broker waits group.initial.rebalance.delay.ms (3 s) for more members before the first rebalance of
        // an empty group; tests and the demo start their members one by one and should not wait for that.
        rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0);
        return new KafkaMockCluster(client, cluster, brokers);
    }

    /// <summary>Creates a topic with the given partition count (replication factor = min(3, brokers)).</summary>
    public void CreateTopic(string topic, int partitions)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var err = rd_kafka_mock_topic_create(Cluster, topic, partitions, Math.Min(3, BrokerCount));
        if (err != 0)
        {
            throw new InvalidOperationException($"creating mock topic '{topic}' failed with Kafka error code {err}");
        }
    }

    /// <summary>Takes a broker down (connections refused) until <see cref="SetBrokerUp"/>.</summary>
    public void SetBrokerDown(int brokerId) => Check(rd_kafka_mock_broker_set_down(Cluster, brokerId), "set_down");

    public void SetBrokerUp(int brokerId) => Check(rd_kafka_mock_broker_set_up(Cluster, brokerId), "set_up");

    /// <summary>
    /// The broker setting <c>group.initial.rebalance.delay.ms</c> for every classic-protocol group: how long the
    /// coordinator waits for more members before the first rebalance of an empty group (the mock's default: 3000).
    /// </summary>
    public void SetGroupInitialRebalanceDelay(int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        rd_kafka_mock_group_initial_rebalance_delay_ms(Cluster, milliseconds);
    }

    /// <summary>
    /// The broker settings <c>group.consumer.session.timeout.ms</c> and <c>group.consumer.heartbeat.interval.ms</c> of
    /// KIP-848 (<c>group.protocol=consumer</c>) groups: with that protocol the coordinator, not the client, owns them.
    /// </summary>
    public void SetConsumerGroupTimeouts(int sessionTimeoutMs, int heartbeatIntervalMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(heartbeatIntervalMs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sessionTimeoutMs, heartbeatIntervalMs);
        rd_kafka_mock_set_group_consumer_session_timeout_ms(Cluster, sessionTimeoutMs);
        rd_kafka_mock_set_group_consumer_heartbeat_interval_ms(Cluster, heartbeatIntervalMs);
    }

    /// <summary>Makes the next requests of the given Kafka API key fail with the given error codes, in order.</summary>
    public void PushRequestErrors(short apiKey, params int[] errorCodes)
    {
        ArgumentNullException.ThrowIfNull(errorCodes);
        rd_kafka_mock_push_request_errors_array(Cluster, apiKey, (nuint)errorCodes.Length, errorCodes);
    }

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private IntPtr Cluster => _cluster != IntPtr.Zero ? _cluster : throw new ObjectDisposedException(nameof(KafkaMockCluster));

    private static void Check(int err, string what)
    {
        if (err != 0)
        {
            throw new InvalidOperationException($"mock broker {what} failed with Kafka error code {err}");
        }
    }

    private void Release()
    {
        var cluster = Interlocked.Exchange(ref _cluster, IntPtr.Zero);
        if (cluster != IntPtr.Zero)
        {
            rd_kafka_mock_cluster_destroy(cluster);
        }

        var client = Interlocked.Exchange(ref _client, IntPtr.Zero);
        if (client != IntPtr.Zero)
        {
            rd_kafka_destroy(client);
        }
    }

    [LibraryImport(Lib)]
    private static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, [Out] byte[] errstr, nuint errstrSize);

    [LibraryImport(Lib)]
    private static partial IntPtr rd_kafka_new(int type, IntPtr conf, [Out] byte[] errstr, nuint errstrSize);

    [LibraryImport(Lib)]
    private static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(Lib)]
    private static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [LibraryImport(Lib)]
    private static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [LibraryImport(Lib)]
    private static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(Lib)]
    private static partial int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

    [LibraryImport(Lib)]
    private static partial int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);

    [LibraryImport(Lib)]
    private static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr cluster, int delayMs);

    [LibraryImport(Lib)]
    private static partial void rd_kafka_mock_set_group_consumer_session_timeout_ms(IntPtr cluster, int milliseconds);

    [LibraryImport(Lib)]
    private static partial void rd_kafka_mock_set_group_consumer_heartbeat_interval_ms(IntPtr cluster, int milliseconds);

    [LibraryImport(Lib)]
    private static partial void rd_kafka_mock_push_request_errors_array(IntPtr cluster, short apiKey, nuint count, int[] errors);
}
