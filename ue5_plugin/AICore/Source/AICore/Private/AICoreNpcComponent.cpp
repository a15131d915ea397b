#include "AICoreNpcComponent.h"

#include "AICoreModule.h"
#include "AICoreSubsystem.h"
#include "AIController.h"
#include "Engine/GameInstance.h"
#include "Engine/World.h"
#include "GameFramework/CharacterMovementComponent.h"
#include "GameFramework/Pawn.h"
#include "Kismet/GameplayStatics.h"

namespace
{
// The protocol speaks metres, z up; UE speaks centimetres, z up.
constexpr double CentimetresPerMetre = 100.0;

FVector ToEngine(const aicore::glue::Vec3& P)
{
	return FVector(P.x, P.y, P.z) * CentimetresPerMetre;
}
}

UAICoreNpcComponent::UAICoreNpcComponent()
{
	// The subsystem writes and applies for every NPC in one pass: no tick per component.
	PrimaryComponentTick.bCanEverTick = false;
}

UAICoreSubsystem* UAICoreNpcComponent::GetAICore() const
{
	const UWorld* World = GetWorld();
	UGameInstance* Instance = World != nullptr ? World->GetGameInstance() : nullptr;
	return Instance != nullptr ? Instance->GetSubsystem<UAICoreSubsystem>() : nullptr;
}

void UAICoreNpcComponent::BeginPlay()
{
	Super::BeginPlay();
	ClaimSlot();
}

void UAICoreNpcComponent::EndPlay(const EEndPlayReason::Type Reason)
{
	if (UAICoreSubsystem* AICore = GetAICore())
	{
		AICore->UnregisterNpc(this);
	}
	bHasSlot = false;
	Super::EndPlay(Reason);
}

void UAICoreNpcComponent::ClaimSlot()
{
	bHasSlot = false;
	if (UAICoreSubsystem* AICore = GetAICore())
	{
		AICore->RegisterNpc(this, Kind);  // logs why not; the actor then stays on its defaults
	}
}

void UAICoreNpcComponent::OnSlotClaimed(aicore::glue::NpcHandle InHandle)
{
	Handle = InHandle;
	bHasSlot = true;
}

void UAICoreNpcComponent::OnReleasedByRuntime()
{
	bHasSlot = false;
	Handle = aicore::glue::NpcHandle{};
}

void UAICoreNpcComponent::WriteWorldState(const aicore_world& World) const
{
	const AActor* Owner = GetOwner();
	if (!bHasSlot || Owner == nullptr || Handle.slot >= World.capacity)
	{
		return;
	}
	const size_t Slot = Handle.slot;
	const FVector Position = Owner->GetActorLocation() / CentimetresPerMetre;
	const FVector Velocity = Owner->GetVelocity() / CentimetresPerMetre;
	World.position[Slot * 3 + 0] = static_cast<float>(Position.X);
	World.position[Slot * 3 + 1] = static_cast<float>(Position.Y);
	World.position[Slot * 3 + 2] = static_cast<float>(Position.Z);
	World.velocity[Slot * 3 + 0] = static_cast<float>(Velocity.X);
	World.velocity[Slot * 3 + 1] = static_cast<float>(Velocity.Y);
	World.velocity[Slot * 3 + 2] = static_cast<float>(Velocity.Z);
	// The protocol's heading: radians, 0 = +y, counter-clockwise; UE's yaw: degrees from +x.
	World.heading[Slot] = static_cast<float>(FMath::DegreesToRadians(Owner->GetActorRotation().Yaw) - UE_HALF_PI);
	World.health[Slot] = FMath::Clamp(Health, 0.0f, 1.0f);
	World.perception[Slot] = static_cast<uint32_t>(Perception);
}

void UAICoreNpcComponent::MoveTo(const FVector& Target, float SpeedMps)
{
	APawn* Pawn = Cast<APawn>(GetOwner());
	if (Pawn == nullptr)
	{
		return;
	}
	if (UCharacterMovementComponent* Movement = Pawn->FindComponentByClass<UCharacterMovementComponent>())
	{
		Movement->MaxWalkSpeed = SpeedMps * CentimetresPerMetre;
	}
	if (AAIController* Controller = Cast<AAIController>(Pawn->GetController()))
	{
		Controller->MoveToLocation(Target);
	}
}

std::string UAICoreNpcComponent::ApplyCommand(const aicore::glue::Command& Command)
{
	using aicore::glue::CommandType;
	switch (Command.type)
	{
		case CommandType::MoveTo:
			MoveTo(ToEngine(Command.position), Command.speedMps);
			return {};
		case CommandType::Flee:
		{
			const AActor* Owner = GetOwner();
			if (Owner == nullptr)
			{
				return "flee: the NPC has no actor";
			}
			// Away from the threat, as far as a few seconds of running take it.
			const FVector From = ToEngine(Command.position);
			const FVector Away = (Owner->GetActorLocation() - From).GetSafeNormal2D();
			MoveTo(Owner->GetActorLocation() + Away * Command.speedMps * CentimetresPerMetre * 5.0, Command.speedMps);
			return {};
		}
		case CommandType::Attack:
		{
			AActor* Target = nullptr;
			if (Command.targetsPlayer)
			{
				Target = UGameplayStatics::GetPlayerPawn(this, 0);
			}
			else if (const UAICoreSubsystem* AICore = GetAICore())
			{
				const UAICoreNpcComponent* Other = AICore->NpcInSlot(Command.targetNpc);
				Target = Other != nullptr ? Other->GetOwner() : nullptr;
			}
			if (Target == nullptr)
			{
				return "attack: no actor for the target";
			}
			OnAttack.Broadcast(this, Target);
			return {};
		}
		case CommandType::Say:
			OnSay.Broadcast(this, UTF8_TO_TCHAR(Command.text.c_str()), UTF8_TO_TCHAR(Command.line.c_str()));
			return {};
		case CommandType::Emote:
			OnEmote.Broadcast(this, FName(UTF8_TO_TCHAR(Command.text.c_str())));
			return {};
		case CommandType::Despawn:
			// The glue frees the slot in the runtime once this returns "": the game removes
			// the actor (its EndPlay then finds no slot to give back).
			bHasSlot = false;
			OnDespawn.Broadcast(this);
			return {};
	}
	return "unknown command type";
}
