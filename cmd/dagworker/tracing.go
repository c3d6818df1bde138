package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/tracing"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// tracingEnabled reports whether the environment names an OTLP trace
// endpoint: tracing is off without one.
func tracingEnabled(getenv func(string) string) bool {
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// tracingShutdownTimeout bounds the flush of the spans still queued at exit.
const tracingShutdownTimeout = 5 * time.Second

// newTracerProvider returns the tracer provider of a long-running command
// and the function that flushes and stops it at exit. Without an OTLP
// endpoint in the environment it is a no-op provider (nothing is
// installed). With one it exports in batches over OTLP: http/protobuf, or
// gRPC when OTEL_EXPORTER_OTLP_TRACES_PROTOCOL (or OTEL_EXPORTER_OTLP_PROTOCOL)
// is "grpc"; the exporters read the other OTEL_EXPORTER_OTLP_* variables,
// the SDK OTEL_TRACES_SAMPLER and the resource OTEL_SERVICE_NAME
// (default "dagworker") and OTEL_RESOURCE_ATTRIBUTES. It also sets the
// process's propagator (W3C trace context and baggage).
func newTracerProvider(ctx context.Context, getenv func(string) string, log *slog.Logger) (trace.TracerProvider, func(), error) {
	if !tracingEnabled(getenv) {
		return noop.NewTracerProvider(), func() {}, nil
	}
	protocol := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
	if protocol == "" {
		protocol = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
	}
	if protocol == "" {
		protocol = "http/protobuf"
	}
	var (
		exp sdktrace.SpanExporter
		err error
	)
	switch protocol {
	case "http/protobuf":
		exp, err = otlptracehttp.New(ctx)
	case "grpc":
		exp, err = otlptracegrpc.New(ctx)
	default:
		return nil, nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q: want http/protobuf or grpc", protocol)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("otlp trace exporter: %w", err)
	}
	// Later detectors win: the environment names the service over the
	// default.
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithHost(),
		resource.WithAttributes(attribute.String("service.name", "dagworker"),
			attribute.String("service.version", readBuildInfo().version)),
		resource.WithFromEnv())
	if err != nil {
		log.Warn("tracing resource partly detected", "error", err.Error())
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res),
		sdktrace.WithIDGenerator(tracing.IDGenerator{}))
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	log.Info("tracing on: exporting spans over OTLP", "protocol", protocol)
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tracingShutdownTimeout)
		defer cancel()
		if err := tp.Shutdown(sctx); err != nil {
			log.Warn("tracing: flushing spans at exit failed", "error", err.Error())
		}
	}
	return tp, stop, nil
}

// startTracing is newTracerProvider with the process's environment.
func startTracing(ctx context.Context, log *slog.Logger) (trace.TracerProvider, func(), error) {
	return newTracerProvider(ctx, os.Getenv, log)
}
