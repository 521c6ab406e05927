# rcmbot: one static binary (pure-Go SQLite driver, no cgo).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/rcmbot ./cmd/rcmbot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rcmbot /usr/local/bin/rcmbot
ENV RCMBOT_DATA_DIR=/var/lib/rcmbot
USER nonroot
ENTRYPOINT ["/usr/local/bin/rcmbot"]
