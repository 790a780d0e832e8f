package testenv

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/coventry/workshops/internal/rediscluster"
)

// RedisCluster is a Redis Cluster of a test's own (internal/rediscluster):
// masters with one replica each, on free loopback ports. A test may kill
// the master of a key's slot and watch its replica take over. Everything
// stops when the test ends; any failure fails the test.
type RedisCluster struct {
	t testing.TB
	c *rediscluster.Cluster
	// Addrs are every node's host:port, masters first as created.
	Addrs []string
	// URL names every node in the form REDIS_URL takes:
	// redis+cluster://h1:p1,h2:p2,...
	URL string
}

// NewRedisCluster starts 2×masters redis-server processes in cluster mode
// (redis-server and redis-cli must be on PATH) and joins them into a
// cluster with one replica per master, waiting until every node says the
// cluster is ok. Nothing skips.
func NewRedisCluster(t testing.TB, masters int) *RedisCluster {
	t.Helper()
	c, err := rediscluster.Start(t.TempDir(), masters)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(c.Close)
	return &RedisCluster{t: t, c: c, Addrs: c.Addrs, URL: c.URL}
}

// Client is a new client of the cluster for the test's own checks, which
// learns the cluster as it is now (closed when the test ends).
func (rc *RedisCluster) Client() *redis.ClusterClient {
	c := rc.c.Client()
	rc.t.Cleanup(func() { _ = c.Close() })
	return c
}

// WaitHealthy waits (at most 30 s) until every running node says
// cluster_state:ok and every slot has a master that answers.
func (rc *RedisCluster) WaitHealthy() {
	rc.t.Helper()
	if err := rc.c.WaitHealthy(); err != nil {
		rc.t.Fatalf("testenv: %v", err)
	}
}

// MasterOf is the address of the master serving key's slot, and of its
// replicas online, as the cluster says now.
func (rc *RedisCluster) MasterOf(key string) (master string, replicas []string) {
	rc.t.Helper()
	master, replicas, err := rc.c.MasterOf(key)
	if err != nil {
		rc.t.Fatalf("testenv: %v", err)
	}
	return master, replicas
}

// Kill kills the node at addr (as a crash would): when it is a master, its
// replica takes over after the cluster's node timeout.
func (rc *RedisCluster) Kill(addr string) {
	rc.t.Helper()
	if err := rc.c.Kill(addr); err != nil {
		rc.t.Fatalf("testenv: %v", err)
	}
}
