package session

/*
#cgo LDFLAGS: -lsession_sdk
#include <session_sdk.h>
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// EventKind is an ssdk_event_type.
type EventKind int32

// Event kinds (stable numbers).
const (
	EventMessageReceived    EventKind = C.SSDK_EVENT_MESSAGE_RECEIVED
	EventMessageSynced      EventKind = C.SSDK_EVENT_MESSAGE_SYNCED
	EventMessageState       EventKind = C.SSDK_EVENT_MESSAGE_STATE
	EventMessageRequest     EventKind = C.SSDK_EVENT_MESSAGE_REQUEST
	EventContactChanged     EventKind = C.SSDK_EVENT_CONTACT_CHANGED
	EventConnection         EventKind = C.SSDK_EVENT_CONNECTION
	EventLog                EventKind = C.SSDK_EVENT_LOG
	EventAttachmentProgress EventKind = C.SSDK_EVENT_ATTACHMENT_PROGRESS
	EventAttachmentDone     EventKind = C.SSDK_EVENT_ATTACHMENT_DONE
	EventAttachmentFailed   EventKind = C.SSDK_EVENT_ATTACHMENT_FAILED
	EventGroupInvite        EventKind = C.SSDK_EVENT_GROUP_INVITE
	EventGroupUpdate        EventKind = C.SSDK_EVENT_GROUP_UPDATE
	EventProfileChanged     EventKind = C.SSDK_EVENT_PROFILE_CHANGED
	EventCaughtUp           EventKind = C.SSDK_EVENT_CAUGHT_UP
	EventConversationRead   EventKind = C.SSDK_EVENT_CONVERSATION_READ
	EventBackupProgress     EventKind = C.SSDK_EVENT_BACKUP_PROGRESS
)

var eventKindNames = map[EventKind]string{
	EventMessageReceived: "message_received", EventMessageSynced: "message_synced",
	EventMessageState: "message_state", EventMessageRequest: "message_request",
	EventContactChanged: "contact_changed", EventConnection: "connection", EventLog: "log",
	EventAttachmentProgress: "attachment_progress", EventAttachmentDone: "attachment_done",
	EventAttachmentFailed: "attachment_failed", EventGroupInvite: "group_invite", EventGroupUpdate: "group_update",
	EventProfileChanged: "profile_changed", EventCaughtUp: "caught_up", EventConversationRead: "conversation_read",
	EventBackupProgress: "backup_progress",
}

// String is the kind's name as in the event JSON ("message_received", ...).
func (k EventKind) String() string {
	if s, ok := eventKindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("EventKind(%d)", int32(k))
}

// MessageState is an ssdk_message_state: delivery state of outgoing messages, Received for
// incoming ones.
type MessageState int32

// Message states (stable numbers).
const (
	MessageSending  MessageState = C.SSDK_MESSAGE_SENDING
	MessageSent     MessageState = C.SSDK_MESSAGE_SENT
	MessageFailed   MessageState = C.SSDK_MESSAGE_FAILED
	MessageReceived MessageState = C.SSDK_MESSAGE_RECEIVED
)

var messageStateNames = map[MessageState]string{
	MessageSending: "sending", MessageSent: "sent", MessageFailed: "failed", MessageReceived: "received",
}

// String is the state's name as in the SDK's JSON ("sending", "sent", ...).
func (s MessageState) String() string {
	if n, ok := messageStateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("MessageState(%d)", int32(s))
}

// UnmarshalJSON accepts the SDK's JSON form (a name such as "sent") or a number.
func (s *MessageState) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		for k, v := range messageStateNames {
			if v == strings.ToLower(name) {
				*s = k
				return nil
			}
		}
		return fmt.Errorf("session: unknown message state %q", name)
	}
	var n int32
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*s = MessageState(n)
	return nil
}

// LogLevel is an ssdk_log_level.
type LogLevel int32

// Log levels (stable numbers); LogOff disables log events.
const (
	LogDebug LogLevel = C.SSDK_LOG_DEBUG
	LogInfo  LogLevel = C.SSDK_LOG_INFO
	LogWarn  LogLevel = C.SSDK_LOG_WARN
	LogError LogLevel = C.SSDK_LOG_ERROR
	LogOff   LogLevel = C.SSDK_LOG_OFF
)

// String is the level's name as in the event JSON ("debug", ...).
func (l LogLevel) String() string {
	switch l {
	case LogDebug:
		return "debug"
	case LogInfo:
		return "info"
	case LogWarn:
		return "warn"
	case LogError:
		return "error"
	case LogOff:
		return "off"
	}
	return fmt.Sprintf("LogLevel(%d)", int32(l))
}

// Event is something that happened in a client, copied out of the SDK's event. Which fields
// are set depends on Kind:
//
//   - EventMessageReceived, EventMessageSynced: MessageID, Conversation, Sender, Text,
//     Timestamp, IsRequest; Message() decodes the stored message.
//   - EventMessageState: MessageID, Conversation, MessageState().
//   - EventMessageRequest: Sender (the requester), MessageID.
//   - EventContactChanged: Sender (the contact).
//   - EventConnection: Connected().
//   - EventLog: Text (the line), LogLevel().
//   - EventAttachmentProgress: MessageID, AttachmentIndex, IsUpload, BytesDone, BytesTotal.
//   - EventAttachmentDone: MessageID, AttachmentIndex, IsUpload, Text (the destination path of
//     a download started with one).
//   - EventAttachmentFailed: MessageID, AttachmentIndex, IsUpload, Text (the error), WillRetry().
//   - EventGroupInvite: Conversation (the group ID), Sender (the inviter), Text (the name).
//   - EventGroupUpdate: Conversation (the group ID), Sender (who did it, or ""), Text (the
//     change, such as "members_added"), Members().
//   - EventBackupProgress: BytesDone, BytesTotal of a backup being written (BackupCreate).
//
// JSON is the SDK's JSON rendering of the whole event (with a "kind" field).
type Event struct {
	Kind         EventKind
	MessageID    int64
	Conversation string
	Sender       string
	Text         string
	// Timestamp is the sender's timestamp of a message (or, for EventConversationRead, the
	// time read up to), in milliseconds since the epoch.
	Timestamp int64
	// State is the raw state accessor: a MessageState, 1/0 for connections, a LogLevel.
	State           int32
	IsRequest       bool
	AttachmentIndex uint32
	IsUpload        bool
	BytesDone       uint64
	BytesTotal      uint64
	JSON            string
}

func eventFromC(ev *C.ssdk_event) Event {
	return Event{
		Kind:            EventKind(C.ssdk_event_kind(ev)),
		MessageID:       int64(C.ssdk_event_message_id(ev)),
		Conversation:    C.GoString(C.ssdk_event_conversation(ev)),
		Sender:          C.GoString(C.ssdk_event_sender(ev)),
		Text:            C.GoString(C.ssdk_event_text(ev)),
		Timestamp:       int64(C.ssdk_event_timestamp(ev)),
		State:           int32(C.ssdk_event_state(ev)),
		IsRequest:       bool(C.ssdk_event_is_request(ev)),
		AttachmentIndex: uint32(C.ssdk_event_attachment_index(ev)),
		IsUpload:        bool(C.ssdk_event_is_upload(ev)),
		BytesDone:       uint64(C.ssdk_event_bytes_done(ev)),
		BytesTotal:      uint64(C.ssdk_event_bytes_total(ev)),
		JSON:            C.GoString(C.ssdk_event_json(ev)),
	}
}

// MessageState is the delivery state of a message event.
func (e Event) MessageState() MessageState { return MessageState(e.State) }

// Connected reports, for a connection event, whether onion paths are ready.
func (e Event) Connected() bool { return e.Kind == EventConnection && e.State != 0 }

// Members are the Session IDs concerned by a group update (from the event JSON).
func (e Event) Members() []string {
	if e.Kind != EventGroupUpdate {
		return nil
	}
	var d struct {
		Members []string `json:"members"`
	}
	if json.Unmarshal([]byte(e.JSON), &d) != nil {
		return nil
	}
	return d.Members
}

// WillRetry reports, for a failed attachment transfer, whether the upload will be retried.
func (e Event) WillRetry() bool { return e.Kind == EventAttachmentFailed && e.State != 0 }

// LogLevel is the level of a log event.
func (e Event) LogLevel() LogLevel { return LogLevel(e.State) }

// Time is Timestamp as a time.Time (zero for events without one).
func (e Event) Time() time.Time {
	if e.Timestamp == 0 {
		return time.Time{}
	}
	return time.UnixMilli(e.Timestamp)
}

// Message decodes the stored message carried by a received or synced message event; nil for
// other kinds.
func (e Event) Message() (*Message, error) {
	if e.Kind != EventMessageReceived && e.Kind != EventMessageSynced {
		return nil, nil // other kinds may use "message" for something else (a log line)
	}
	var wrapper struct {
		Message *Message `json:"message"`
	}
	if err := json.Unmarshal([]byte(e.JSON), &wrapper); err != nil {
		return nil, err
	}
	return wrapper.Message, nil
}

// Contact is a contact, message request or blocked ID (ssdk_client_contacts_json and friends).
type Contact struct {
	SessionID      string `json:"session_id"`
	DisplayName    string `json:"display_name"`
	Nickname       string `json:"nickname"`
	Approved       bool   `json:"approved"`
	ApprovedMe     bool   `json:"approved_me"`
	Blocked        bool   `json:"blocked"`
	ProfilePicture string `json:"profile_picture"`
	CreatedAt      int64  `json:"created_at"`
}

// Name is the nickname, else the display name, else the Session ID.
func (c Contact) Name() string {
	if c.Nickname != "" {
		return c.Nickname
	}
	if c.DisplayName != "" {
		return c.DisplayName
	}
	return c.SessionID
}

// Attachment is one file of a message. State is the SDK's name: "pending_upload", "uploaded",
// "upload_failed" (outgoing), "remote", "downloaded" (incoming).
type Attachment struct {
	Index       uint32 `json:"index"`
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        uint64 `json:"size"`
	VoiceNote   bool   `json:"voice_note"`
	Width       uint32 `json:"width"`
	Height      uint32 `json:"height"`
	Caption     string `json:"caption"`
	URL         string `json:"url"`
	State       string `json:"state"`
}

// Message is a stored message (ssdk_client_history_json / ssdk_client_message_json). SentTS and
// ReceivedTS are milliseconds since the epoch; Attachments lists its files; Extra is the SDK's
// JSON for other structured content, empty when there is none.
type Message struct {
	ID           int64        `json:"id"`
	Conversation string       `json:"conversation"`
	Outgoing     bool         `json:"outgoing"`
	Sender       string       `json:"sender"`
	Body         string       `json:"body"`
	SentTS       int64        `json:"sent_ts"`
	ReceivedTS   int64        `json:"received_ts"`
	State        MessageState `json:"state"`
	Read         bool         `json:"read"`
	ServerHash   string       `json:"server_hash"`
	Extra        string       `json:"extra"`
	Attachments  []Attachment `json:"attachments"`
}

// Conversation is one conversation (ssdk_client_conversations_json); Kind is "direct" or
// "group".
type Conversation struct {
	ID           string   `json:"id"`
	Kind         string   `json:"kind"`
	CreatedAt    int64    `json:"created_at"`
	LastActivity int64    `json:"last_activity"`
	Unread       int64    `json:"unread"`
	IsRequest    bool     `json:"is_request"`
	LastMessage  *Message `json:"last_message"`
}

// Group is a group we are in or invited to (ssdk_client_groups_json); State is "invited",
// "joined", "kicked" or "left".
type Group struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	State       string `json:"state"`
	IsAdmin     bool   `json:"is_admin"`
	MemberCount int    `json:"member_count"`
	Inviter     string `json:"inviter"`
}

// GroupMember is a member of a group (ssdk_client_group_members_json).
type GroupMember struct {
	SessionID     string `json:"session_id"`
	Name          string `json:"name"`
	Admin         bool   `json:"admin"`
	InvitePending bool   `json:"invite_pending"`
	Removed       bool   `json:"removed"`
}
