using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace TokenClean.Service.Tests.Observability;

/// <summary>
/// A minimal OTLP/HTTP metrics receiver: Kestrel on loopback, POST /v1/metrics with an
/// ExportMetricsServiceRequest in protobuf, decoded by a wire-format reader written from the OTLP .proto files
/// (opentelemetry-proto, metrics/v1/metrics.proto), independent of the exporter's own serializer.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>Metric name → data kind (gauge, sum, histogram, exponential_histogram, summary).</summary>
    public ConcurrentDictionary<string, string> Metrics { get; } = new(StringComparer.Ordinal);

    public ConcurrentBag<string> ScopeNames { get; } = [];

    /// <summary>Resource attributes with string values (service.name, service.instance.id...).</summary>
    public ConcurrentDictionary<string, string> Resource { get; } = new(StringComparer.Ordinal);

    public ConcurrentBag<string> ContentTypes { get; } = [];

    public Uri Address { get; private set; } = null!;

    /// <param name="grpc">
    /// False: OTLP/HTTP (HTTP/1.1, POST /v1/metrics). True: OTLP/gRPC (cleartext HTTP/2, the MetricsService/Export
    /// method, length-prefixed messages, grpc-status trailer).
    /// </param>
    public static async Task<OtlpReceiver> StartAsync(bool grpc = false)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l =>
            l.Protocols = grpc ? Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2 : Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", async (HttpContext context) =>
        {
            receiver.ContentTypes.Add(context.Request.ContentType ?? "");
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var frame = body.ToArray();

            // gRPC message framing: 1 byte compressed flag, 4 bytes big-endian length, the message.
            if (frame.Length < 5 || frame[0] != 0 || System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(1)) != frame.Length - 5)
            {
                throw new InvalidDataException("not one uncompressed gRPC message");
            }

            receiver.Parse(frame[5..]);
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "0");
            await context.Response.Body.WriteAsync(new byte[5]); // an empty ExportMetricsServiceResponse
        });
        app.MapPost("/v1/metrics", async (HttpContext context) =>
        {
            receiver.ContentTypes.Add(context.Request.ContentType ?? "");
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            receiver.Parse(body.ToArray());
            context.Response.ContentType = "application/x-protobuf";
            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Address = new Uri(address);
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    // ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
    private void Parse(byte[] request)
    {
        foreach (var (field, value) in Fields(request))
        {
            if (field == 1)
            {
                ParseResourceMetrics(value);
            }
        }
    }

    // ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
    private void ParseResourceMetrics(ReadOnlyMemory<byte> message)
    {
        foreach (var (field, value) in Fields(message))
        {
            if (field == 1)
            {
                // Resource { repeated KeyValue attributes = 1; }  KeyValue { string key = 1; AnyValue value = 2; }
                foreach (var (af, attribute) in Fields(value))
                {
                    if (af != 1)
                    {
                        continue;
                    }

                    string? key = null, text = null;
                    foreach (var (kf, kv) in Fields(attribute))
                    {
                        if (kf == 1)
                        {
                            key = Encoding.UTF8.GetString(kv.Span);
                        }
                        else if (kf == 2)
                        {
                            // AnyValue { string string_value = 1; ... }
                            foreach (var (vf, v) in Fields(kv))
                            {
                                if (vf == 1)
                                {
                                    text = Encoding.UTF8.GetString(v.Span);
                                }
                            }
                        }
                    }

                    if (key is not null && text is not null)
                    {
                        Resource[key] = text;
                    }
                }
            }
            else if (field == 2)
            {
                ParseScopeMetrics(value);
            }
        }
    }

    // ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
    // Metric { string name = 1; ...; Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; ExponentialHistogram = 10; Summary = 11; }
    private void ParseScopeMetrics(ReadOnlyMemory<byte> message)
    {
        foreach (var (field, value) in Fields(message))
        {
            if (field == 1)
            {
                foreach (var (sf, s) in Fields(value))
                {
                    if (sf == 1)
                    {
                        ScopeNames.Add(Encoding.UTF8.GetString(s.Span));
                    }
                }
            }
            else if (field == 2)
            {
                string? name = null, kind = null;
                foreach (var (mf, m) in Fields(value))
                {
                    switch (mf)
                    {
                        case 1: name = Encoding.UTF8.GetString(m.Span); break;
                        case 5: kind = "gauge"; break;
                        case 7: kind = "sum"; break;
                        case 9: kind = "histogram"; break;
                        case 10: kind = "exponential_histogram"; break;
                        case 11: kind = "summary"; break;
                        default: break;
                    }
                }

                if (name is not null)
                {
                    Metrics[name] = kind ?? "none";
                }
            }
        }
    }

    /// <summary>The length-delimited fields of a message (other wire types are skipped).</summary>
    private static List<(int Field, ReadOnlyMemory<byte> Value)> Fields(ReadOnlyMemory<byte> message)
    {
        var result = new List<(int, ReadOnlyMemory<byte>)>();
        var span = message.Span;
        var pos = 0;
        while (pos < span.Length)
        {
            var tag = Varint(span, ref pos);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0: Varint(span, ref pos); break;
                case 1: pos += 8; break;
                case 5: pos += 4; break;
                case 2:
                    var length = (int)Varint(span, ref pos);
                    result.Add((field, message.Slice(pos, length)));
                    pos += length;
                    break;
                default: throw new InvalidDataException($"unexpected wire type {tag & 7} at {pos}");
            }
        }

        if (pos != span.Length)
        {
            throw new InvalidDataException("a field runs past the end of its message");
        }

        return result;
    }

    private static ulong Varint(ReadOnlySpan<byte> span, ref int pos)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = span[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("varint longer than 10 bytes");
    }
}
