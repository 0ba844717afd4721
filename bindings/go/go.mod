module github.com/session-sdk/session-sdk/bindings/go

go 1.20
