using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HaCore.Transport.Tests;

/// <summary><see cref="TcpTransportOptions.MaxInboundFramesPerSecond"/>: one connection's frames are read at that
/// rate at most (TCP pushes back on the sender) and none is lost.</summary>
public sealed partial class TcpTransportContractTests
{
    [Fact]
    public async Task Frames_beyond_the_inbound_rate_are_read_later_not_dropped()
    {
        const int rate = 1_000;
        const int sent = 3_000;
        OptionsOverride = (id, s) => Options(id, s) with { MaxInboundFramesPerSecond = rate, PeerQueueBytesLimit = 64 << 20 };
        long throttled = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "hacore.transport.throttled")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref throttled, value));
        listener.Start();
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < sent; i++)
        {
            Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, (ulong)i)));
        }

        // The bucket holds a tenth of a second: reading 2,000 frames takes at least (2,000 - 100) / 1,000 s.
        // Without the limit they all arrive in milliseconds.
        await Wait.UntilAsync(() => Sink(2).From(1).Count() >= 2_000, "two thirds of the frames arrive", 60);
        var elapsed = clock.Elapsed;
        Assert.True(elapsed >= TimeSpan.FromSeconds(1.5), $"2,000 frames were read in {elapsed.TotalMilliseconds:F0} ms, above {rate}/s");
        await Wait.UntilAsync(() => Sink(2).From(1).Count() == sent, "every frame arrives, in the end", 60);
        Assert.Equal(Enumerable.Range(0, sent).Select(i => (ulong)i), Sink(2).From(1).Select(m => m.Context));
        listener.RecordObservableInstruments();
        Assert.True(Interlocked.Read(ref throttled) > 0, "the waits are counted in hacore.transport.throttled");
    }

    [Fact]
    public void A_frame_rate_below_ten_a_second_is_refused_at_validation()
    {
        var options = Options(1, new NodeSettings()) with { MaxInboundFramesPerSecond = 5 };
        var ex = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("MaxInboundFramesPerSecond must be at least 10, got 5", ex.Message, StringComparison.Ordinal);
    }
}
