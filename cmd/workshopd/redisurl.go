package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisOptions reads REDIS_URL in one of three forms, for
// redis.NewUniversalClient:
//
//	redis://[user:pass@]host[:port][/db]            one server (rediss:// for TLS)
//	redis+cluster://[user:pass@]h1:p1,h2:p2,h3:p3   a Redis Cluster: any of its nodes
//	redis+sentinel://master@h1[:p1],h2,h3[/db]       the master named master, found through
//	                                                  these Sentinels (port 26379 by default)
//
// rediss+cluster:// and rediss+sentinel:// use TLS. The cluster and Sentinel
// forms take go-redis's own query options (ParseClusterURL, ParseFailoverURL),
// such as ?password= for the master's password; a Sentinel URL that names
// ?master_name= keeps its user:pass@ for the Sentinels themselves. go-redis's
// own cluster form, one host and ?addr= for each further node, works too.
func redisOptions(raw string) (*redis.UniversalOptions, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, errors.New("must be a redis://, redis+cluster:// or redis+sentinel:// URL")
	}
	switch scheme {
	case "redis", "rediss":
		o, err := redis.ParseURL(raw)
		if err != nil {
			return nil, err
		}
		return &redis.UniversalOptions{Addrs: []string{o.Addr}, Username: o.Username, Password: o.Password,
			DB: o.DB, TLSConfig: o.TLSConfig, Protocol: o.Protocol, ClientName: o.ClientName,
			PoolSize: o.PoolSize, MinIdleConns: o.MinIdleConns, MaxIdleConns: o.MaxIdleConns,
			MaxActiveConns: o.MaxActiveConns, PoolTimeout: o.PoolTimeout,
			ConnMaxIdleTime: o.ConnMaxIdleTime, ConnMaxLifetime: o.ConnMaxLifetime}, nil
	case "redis+cluster", "rediss+cluster":
		u, err := manyHosts(strings.TrimSuffix(scheme, "+cluster"), rest, "6379")
		if err != nil {
			return nil, err
		}
		if u.Path != "" && u.Path != "/" && u.Path != "/0" {
			return nil, errors.New("a Redis Cluster has only database 0")
		}
		u.Path = ""
		o, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, err
		}
		return &redis.UniversalOptions{Addrs: o.Addrs, IsClusterMode: true, Username: o.Username,
			Password: o.Password, TLSConfig: o.TLSConfig, Protocol: o.Protocol, ClientName: o.ClientName,
			MaxRedirects: o.MaxRedirects, ReadOnly: o.ReadOnly, RouteByLatency: o.RouteByLatency,
			RouteRandomly: o.RouteRandomly, PoolSize: o.PoolSize, MinIdleConns: o.MinIdleConns,
			MaxIdleConns: o.MaxIdleConns, MaxActiveConns: o.MaxActiveConns, PoolTimeout: o.PoolTimeout,
			ConnMaxIdleTime: o.ConnMaxIdleTime, ConnMaxLifetime: o.ConnMaxLifetime}, nil
	case "redis+sentinel", "rediss+sentinel":
		u, err := manyHosts(strings.TrimSuffix(scheme, "+sentinel"), rest, "26379")
		if err != nil {
			return nil, err
		}
		q := u.Query()
		if q.Get("master_name") == "" {
			// master@h1,h2: the user part names the master.
			if u.User == nil || u.User.Username() == "" {
				return nil, errors.New("a Sentinel URL names the master: redis+sentinel://mymaster@h1,h2,h3")
			}
			if _, hasPass := u.User.Password(); hasPass {
				return nil, errors.New("give the master's password as ?password=, not in master@")
			}
			q.Set("master_name", u.User.Username())
			u.User = nil
			u.RawQuery = q.Encode()
		}
		o, err := redis.ParseFailoverURL(u.String())
		if err != nil {
			return nil, err
		}
		return &redis.UniversalOptions{Addrs: o.SentinelAddrs, MasterName: o.MasterName, DB: o.DB,
			Username: o.Username, Password: o.Password, SentinelUsername: o.SentinelUsername,
			SentinelPassword: o.SentinelPassword, TLSConfig: o.TLSConfig, Protocol: o.Protocol,
			ClientName: o.ClientName, PoolSize: o.PoolSize, MinIdleConns: o.MinIdleConns,
			MaxIdleConns: o.MaxIdleConns, MaxActiveConns: o.MaxActiveConns, PoolTimeout: o.PoolTimeout,
			ConnMaxIdleTime: o.ConnMaxIdleTime, ConnMaxLifetime: o.ConnMaxLifetime}, nil
	default:
		return nil, errors.New("must be a redis://, redis+cluster:// or redis+sentinel:// URL")
	}
}

// manyHosts turns scheme://[user@]h1[:p1],h2[:p2]/path?query into go-redis's
// form, scheme://[user@]h1:p1/path?query&addr=h2:p2, giving a host without a
// port defaultPort. url.Parse cannot read a list of hosts itself.
func manyHosts(scheme, rest, defaultPort string) (*url.URL, error) {
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	userinfo, hostlist := "", authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, hostlist = authority[:i+1], authority[i+1:]
	}
	var addrs []string
	for _, h := range strings.Split(hostlist, ",") {
		if h == "" {
			return nil, errors.New("an empty host in the list")
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), defaultPort)
		}
		host, port, err := net.SplitHostPort(h)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%q is not host or host:port", h)
		}
		addrs = append(addrs, h)
	}
	u, err := url.Parse(scheme + "://" + userinfo + addrs[0] + tail)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	for _, a := range addrs[1:] {
		q.Add("addr", a)
	}
	u.RawQuery = q.Encode()
	return u, nil
}
