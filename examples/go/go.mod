module github.com/session-sdk/session-sdk/examples/go

go 1.20

require github.com/session-sdk/session-sdk/bindings/go v0.0.0

// The binding from this checkout (standard library only: nothing is downloaded).
replace github.com/session-sdk/session-sdk/bindings/go => ../../bindings/go
