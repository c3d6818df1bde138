package redistest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/redisproc"
	"github.com/redis/go-redis/v9"
)

// clusterSlots is the number of hash slots of a Redis Cluster.
const clusterSlots = 16384

// StartCluster starts a Redis Cluster of masters redis-server nodes (no
// replicas) on loopback ports, each with its own temp dir and bus port,
// spreads the hash slots evenly and waits until every node reports the
// cluster ok. It returns the nodes' addresses; they are stopped when the
// test ends.
func StartCluster(t testing.TB, masters int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addrs, err := startCluster(ctx, t, masters)
	if err != nil {
		t.Fatalf("redistest: cluster: %v", err)
	}
	return addrs
}

func startCluster(ctx context.Context, t testing.TB, masters int) ([]string, error) {
	type node struct {
		srv *Server
		bus int
		rdb *redis.Client
	}
	nodes := make([]node, masters)
	for i := range nodes {
		var bus int
		srv, err := redisproc.StartWith(ctx, t.TempDir(), func(int) ([]string, error) {
			var err error
			bus, err = redisproc.FreePort()
			return []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
				"--cluster-port", strconv.Itoa(bus), "--cluster-node-timeout", "5000"}, err
		})
		if err != nil {
			return nil, err
		}
		t.Cleanup(srv.Stop)
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
		t.Cleanup(func() { _ = rdb.Close() })
		nodes[i] = node{srv: srv, bus: bus, rdb: rdb}
	}
	for i, n := range nodes {
		lo, hi := i*clusterSlots/masters, (i+1)*clusterSlots/masters-1
		if err := n.rdb.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err(); err != nil {
			return nil, fmt.Errorf("%s: add slots %d-%d: %w", n.srv.Addr, lo, hi, err)
		}
		if i == 0 {
			continue
		}
		host, port, _ := strings.Cut(n.srv.Addr, ":")
		if err := nodes[0].rdb.Do(ctx, "CLUSTER", "MEET", host, port, n.bus).Err(); err != nil {
			return nil, fmt.Errorf("meet %s: %w", n.srv.Addr, err)
		}
	}
	addrs := make([]string, masters)
	for i, n := range nodes {
		addrs[i] = n.srv.Addr
		for {
			info, err := n.rdb.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(masters)+"\r") {
				break
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("%s never reported the cluster ok: %v", n.srv.Addr, info)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return addrs, nil
}
