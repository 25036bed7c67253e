package workload

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Client sends telemetry to an OTLP gRPC endpoint with pdata's own OTLP
// clients. One Client is one connection, so several Clients are several
// senders as far as the receiving collector can tell.
type Client struct {
	conn   *grpc.ClientConn
	traces ptraceotlp.GRPCClient
	logs   plogotlp.GRPCClient
}

// NewClient connects (lazily) to addr ("host:port") without TLS: the load
// generator and the tests only ever talk to loopback.
func NewClient(addr string) (*Client, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	return &Client{conn: conn, traces: ptraceotlp.NewGRPCClient(conn), logs: plogotlp.NewGRPCClient(conn)}, nil
}

// SendTraces exports td and returns the receiver's error, including a
// partial success that rejected spans.
func (c *Client) SendTraces(ctx context.Context, td ptrace.Traces) error {
	resp, err := c.traces.Export(ctx, ptraceotlp.NewExportRequestFromTraces(td))
	if err != nil {
		return err
	}
	if ps := resp.PartialSuccess(); ps.RejectedSpans() > 0 {
		return fmt.Errorf("%d spans rejected: %s", ps.RejectedSpans(), ps.ErrorMessage())
	}
	return nil
}

// SendLogs exports ld and returns the receiver's error, including a partial
// success that rejected records.
func (c *Client) SendLogs(ctx context.Context, ld plog.Logs) error {
	resp, err := c.logs.Export(ctx, plogotlp.NewExportRequestFromLogs(ld))
	if err != nil {
		return err
	}
	if ps := resp.PartialSuccess(); ps.RejectedLogRecords() > 0 {
		return fmt.Errorf("%d log records rejected: %s", ps.RejectedLogRecords(), ps.ErrorMessage())
	}
	return nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
