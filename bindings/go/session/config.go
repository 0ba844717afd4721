package session

/*
#cgo LDFLAGS: -lsession_sdk
#include <stdlib.h>
#include <session_sdk.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"time"
)

// An Option sets one setting of a client's configuration (an ssdk_config setter). The SDK
// checks each value: NewClient returns the first error, wrapped with the option's name, and
// errors.Is against the status sentinels works on it.
type Option struct {
	name  string
	apply func(cfg *C.ssdk_config) error
}

func strOption(name, value string, set func(*C.ssdk_config, *C.char) C.ssdk_status) Option {
	return Option{name, func(cfg *C.ssdk_config) error {
		cs, err := cString(value, name)
		if err != nil {
			return err
		}
		defer freeString(cs)
		return call(func() C.ssdk_status { return set(cfg, cs) })
	}}
}

// WithNetworkFile uses the network described by a JSON file (as session-testnet writes).
// Errors: ErrIO (unreadable), ErrInvalidArgument or ErrInvalidKey (malformed description).
func WithNetworkFile(path string) Option {
	return strOption("WithNetworkFile", path, func(c *C.ssdk_config, s *C.char) C.ssdk_status {
		return C.ssdk_config_set_network_file(c, s)
	})
}

// WithNetworkJSON uses the network described by a JSON document (same format as the file).
func WithNetworkJSON(description string) Option {
	return strOption("WithNetworkJSON", description, func(c *C.ssdk_config, s *C.char) C.ssdk_status {
		return C.ssdk_config_set_network_json(c, s)
	})
}

// WithMainnet uses the public Session network (the default).
func WithMainnet() Option {
	return Option{"WithMainnet", func(c *C.ssdk_config) error {
		return call(func() C.ssdk_status { return C.ssdk_config_use_mainnet(c) })
	}}
}

// WithPIN protects the database with a PIN or passphrase; opening it with another gives
// ErrWrongPIN. An empty PIN is refused (ErrInvalidArgument); omit the option for none.
func WithPIN(pin string) Option {
	return strOption("WithPIN", pin, func(c *C.ssdk_config, s *C.char) C.ssdk_status {
		return C.ssdk_config_set_pin(c, s)
	})
}

// WithoutPIN removes a PIN set by an earlier option (a random key is then kept in the data
// directory, the default).
func WithoutPIN() Option {
	return Option{"WithoutPIN", func(c *C.ssdk_config) error {
		return call(func() C.ssdk_status { return C.ssdk_config_set_pin(c, nil) })
	}}
}

// WithIdentity holds this identity (copied). A data directory that already holds another one
// makes NewClient fail with ErrInvalidArgument.
func WithIdentity(id *Identity) Option {
	return Option{"WithIdentity", func(c *C.ssdk_config) error {
		if id == nil {
			return call(func() C.ssdk_status { return C.ssdk_config_set_identity(c, nil) })
		}
		return id.g.with(func(p *C.ssdk_identity) error {
			return call(func() C.ssdk_status { return C.ssdk_config_set_identity(c, p) })
		})
	}}
}

// WithMnemonic restores the identity from a recovery phrase (checked at once).
func WithMnemonic(phrase string) Option {
	return strOption("WithMnemonic", phrase, func(c *C.ssdk_config, s *C.char) C.ssdk_status {
		return C.ssdk_config_set_identity_mnemonic(c, s)
	})
}

// WithSeed restores the identity from a 16- or 32-byte seed (ErrInvalidKey otherwise).
func WithSeed(seed []byte) Option {
	return Option{"WithSeed", func(c *C.ssdk_config) error {
		data, n := bytesArg(seed)
		err := call(func() C.ssdk_status { return C.ssdk_config_set_identity_seed(c, data, n) })
		runtime.KeepAlive(seed)
		return err
	}}
}

// WithPollIntervals sets how often the client polls for messages: active while messages moved
// in the last minute, idle otherwise (the SDK wants active >= 100ms and idle >= active).
func WithPollIntervals(active, idle time.Duration) Option {
	return Option{"WithPollIntervals", func(c *C.ssdk_config) error {
		a, err := millis(active, "active")
		if err != nil {
			return err
		}
		i, err := millis(idle, "idle")
		if err != nil {
			return err
		}
		return call(func() C.ssdk_status { return C.ssdk_config_set_poll_intervals(c, a, i) })
	}}
}

// WithAutoAcceptRequests accepts every message request automatically (for bots).
func WithAutoAcceptRequests(enabled bool) Option {
	return Option{"WithAutoAcceptRequests", func(c *C.ssdk_config) error {
		return call(func() C.ssdk_status { return C.ssdk_config_set_auto_accept_requests(c, C.bool(enabled)) })
	}}
}

// WithLogLevel sets the minimum level of log events (LogOff for none).
func WithLogLevel(level LogLevel) Option {
	return Option{"WithLogLevel", func(c *C.ssdk_config) error {
		return call(func() C.ssdk_status { return C.ssdk_config_set_log_level(c, C.int32_t(level)) })
	}}
}

// WithDisplayName sets the display name sent with messages (1-100 bytes), unless the database
// already has one.
func WithDisplayName(name string) Option {
	return strOption("WithDisplayName", name, func(c *C.ssdk_config, s *C.char) C.ssdk_status {
		return C.ssdk_config_set_display_name(c, s)
	})
}

// WithSendRetryWindow sets how long an unacknowledged message is retried before it is marked
// failed (whole seconds, at least one; default one hour).
func WithSendRetryWindow(d time.Duration) Option {
	return Option{"WithSendRetryWindow", func(c *C.ssdk_config) error {
		s := d / time.Second
		if s < 0 || s > 0xFFFFFFFF {
			return &Error{Code: ErrInvalidArgument, Message: fmt.Sprintf("INVALID_ARGUMENT: retry window %v out of range", d)}
		}
		return call(func() C.ssdk_status { return C.ssdk_config_set_send_retry_window(c, C.uint32_t(s)) })
	}}
}

// WithStripJPEGMetadata sets whether JPEG metadata (EXIF with GPS position, XMP, IPTC,
// comments) is removed before files are encrypted and sent (on by default).
func WithStripJPEGMetadata(enabled bool) Option {
	return Option{"WithStripJPEGMetadata", func(c *C.ssdk_config) error {
		return call(func() C.ssdk_status { return C.ssdk_config_set_strip_jpeg_metadata(c, C.bool(enabled)) })
	}}
}

func millis(d time.Duration, what string) (C.uint32_t, error) {
	ms := d.Milliseconds()
	if ms < 0 || ms > 0xFFFFFFFF {
		return 0, &Error{Code: ErrInvalidArgument, Message: fmt.Sprintf("INVALID_ARGUMENT: %s interval %v out of range", what, d)}
	}
	return C.uint32_t(ms), nil
}

// newConfig builds the C configuration; the caller frees it with ssdk_config_free.
func newConfig(dataDir string, opts []Option) (*C.ssdk_config, error) {
	dir, err := cString(dataDir, "data_dir")
	if err != nil {
		return nil, err
	}
	defer freeString(dir)
	var cfg *C.ssdk_config
	if err := call(func() C.ssdk_status { return C.ssdk_config_new(dir, &cfg) }); err != nil {
		return nil, err
	}
	for _, o := range opts {
		if o.apply == nil {
			continue
		}
		if err := o.apply(cfg); err != nil {
			C.ssdk_config_free(cfg)
			return nil, fmt.Errorf("%s: %w", o.name, err)
		}
	}
	return cfg, nil
}
